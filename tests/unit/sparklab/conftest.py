import os
import shlex
import subprocess
from pathlib import Path

import pytest


@pytest.fixture
def sh(tmp_path):
    """Run a command the way pyinfra runs a fact's (`sh -c`), in tmp_path; its stdout lines as process() gets them."""

    def run(command: str) -> list[str]:
        done = subprocess.run(["/bin/sh", "-c", command], cwd=tmp_path, capture_output=True, text=True, check=True)
        return done.stdout.splitlines()

    return run


class FakeTools:
    """Stand-ins for host tools, each printing what the real tool prints, in a folder first on PATH."""

    def __init__(self, folder: Path):
        self.folder = folder

    def add(self, name: str, stdout: str) -> None:
        tool = self.folder / name
        tool.write_text(f"#!/bin/sh\nprintf '%s' {shlex.quote(stdout)}\n")  # printf: a builtin, works on any PATH
        tool.chmod(0o755)


@pytest.fixture
def fake_tools(tmp_path, monkeypatch):
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return FakeTools(folder)
