"""systemd unit syntax for command lines we generate."""

import re

# Words systemd takes literally in ExecStart= (no quoting needed).
_PLAIN = re.compile(r"^[A-Za-z0-9_@+=:,./-]+$")


def quote(word: str) -> str:
    """One argument as systemd's ExecStart= parses it back: `%` and `$` are escaped
    (specifiers and variable expansion), anything else unusual is double-quoted."""
    if not _PLAIN.match(word):
        word = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return word.replace("%", "%%").replace("$", "$$")


def exec_line(argv: list[str]) -> str:
    return " ".join(quote(a) for a in argv)
