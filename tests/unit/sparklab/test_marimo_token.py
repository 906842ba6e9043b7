"""templates/jax/marimo_token.py, the JAX lab's marimo wrapper, against a fake marimo: the token goes from the 0600 file
to marimo's click command line in-process, never into a process's arguments, and a tokenless marimo is refused."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

WRAPPER = Path(__file__).resolve().parents[3] / "templates" / "jax" / "marimo_token.py"
TOKEN = "jt-UNITTEST-marimo-777"
# marimo's console-script entry point (marimo-0.16.5.dist-info/entry_points.txt: marimo = marimo._cli.cli:main),
# faked: it prints the arguments it was handed and its own process's command line.
FAKE_CLI = '''
import json, sys
def main(args=None, prog_name=None):
    cmdline = open("/proc/self/cmdline", "rb").read().decode().split("\\0")
    print(json.dumps({"args": args, "prog_name": prog_name, "cmdline": cmdline}))
    sys.exit(0)
'''


@pytest.fixture
def fake_marimo(tmp_path):
    cli = tmp_path / "site" / "marimo" / "_cli"
    cli.mkdir(parents=True)
    (tmp_path / "site" / "marimo" / "__init__.py").write_text("")
    (cli / "__init__.py").write_text("")
    (cli / "cli.py").write_text(FAKE_CLI)
    return tmp_path / "site"


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def wrapper():
    spec = importlib.util.spec_from_file_location("marimo_token", WRAPPER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(fake_marimo, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(WRAPPER), *map(str, args)], capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(fake_marimo), "PATH": "/usr/bin:/bin"})


def test_the_token_reaches_marimo_in_process_and_no_command_line(fake_marimo, token_file):
    import json

    done = _run(fake_marimo, token_file, "edit", "00-toc.py", "--host", "0.0.0.0", "--port", "2718", "--headless")
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["args"] == ["-q", "edit", "--token-password", TOKEN, "00-toc.py", "--host", "0.0.0.0", "--port",
                            "2718", "--headless"]
    assert seen["prog_name"] == "marimo"
    assert seen["cmdline"][1:] == [str(WRAPPER), str(token_file), "edit", "00-toc.py", "--host", "0.0.0.0", "--port",
                                   "2718", "--headless", ""]
    assert TOKEN not in "".join(seen["cmdline"]) and TOKEN not in done.stderr


@pytest.mark.parametrize("flag", ["--no-token", "--token-password", "--token-password=other"])
def test_a_tokenless_or_second_token_is_refused(fake_marimo, token_file, flag):
    done = _run(fake_marimo, token_file, "edit", "00-toc.py", flag)
    assert done.returncode == 2 and done.stdout == ""
    assert f"{flag.split('=')[0]} is not allowed" in done.stderr and "other" not in done.stderr


def test_a_missing_or_empty_token_file_stops_before_marimo(fake_marimo, tmp_path):
    missing = _run(fake_marimo, tmp_path / "nope", "edit")
    assert missing.returncode == 1 and "cannot read the token file" in missing.stderr and missing.stdout == ""
    (tmp_path / "empty").write_text("\n")
    empty = _run(fake_marimo, tmp_path / "empty", "edit")
    assert empty.returncode == 1 and "is empty" in empty.stderr and empty.stdout == ""


def test_usage(wrapper, capsys):
    assert wrapper.main(["only-a-token-file"]) == 2
    assert "usage: marimo_token.py TOKEN_FILE COMMAND" in capsys.readouterr().err


def test_marimo_args_put_quiet_first_and_the_token_right_after_the_command(wrapper):
    assert wrapper.marimo_args("t", "edit", ["a.py", "--headless"]) == ["-q", "edit", "--token-password", "t", "a.py",
                                                                       "--headless"]
