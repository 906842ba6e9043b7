"""marimo with its token read from a file, for the unit lab-jax (roles/jax_lab.py), run by the image's Python:

    python marimo_token.py TOKEN_FILE COMMAND [ARGS...]      e.g. ... /run/spark-lab/marimo-token edit 00-toc.py

marimo 0.16.5 takes a token only as `--token-password TOKEN` on its command line, where `ps` shows it to every user
of the Spark. This wrapper reads the token from the 0600 file the unit mounts read-only and hands it to marimo's click
command line in-process (`marimo._cli.cli:main`, marimo's console-script entry point), so no process's arguments
hold it. marimo's `-q` keeps it from printing its start-up URL, which carries the token, into the unit's journal.
`--no-token` and a second token are refused: the notebooks always ask for the class token.
"""

import sys
from pathlib import Path

USAGE = "usage: marimo_token.py TOKEN_FILE COMMAND [ARGS...]"
REFUSED = ("--no-token", "--token-password")


def marimo_args(token: str, command: str, args: list[str]) -> list[str]:
    """marimo's arguments: quiet (no URL with the token in the log), then COMMAND with the token first."""
    return ["-q", command, "--token-password", token, *args]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 2:
        print(USAGE, file=sys.stderr)
        return 2
    token_file, command, *args = argv
    refused = [flag for flag in (a.split("=", 1)[0] for a in args) if flag in REFUSED]
    if refused:  # the flag only: a value given with it is not echoed into the journal
        print(f"marimo_token: {refused[0]} is not allowed: the token comes from {token_file}", file=sys.stderr)
        return 2
    try:
        token = Path(token_file).read_text().strip()
    except OSError as e:
        print(f"marimo_token: cannot read the token file {token_file}: {e.strerror}", file=sys.stderr)
        return 1
    if not token:
        print(f"marimo_token: the token file {token_file} is empty", file=sys.stderr)
        return 1
    from marimo._cli.cli import main as marimo

    return marimo(args=marimo_args(token, command, args), prog_name="marimo")


if __name__ == "__main__":
    sys.exit(main())
