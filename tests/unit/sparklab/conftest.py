import subprocess

import pytest


@pytest.fixture
def sh(tmp_path):
    """Run a command the way pyinfra runs a fact's (`sh -c`), in tmp_path; its stdout lines as process() gets them."""

    def run(command: str) -> list[str]:
        done = subprocess.run(["sh", "-c", command], cwd=tmp_path, capture_output=True, text=True, check=True)
        return done.stdout.splitlines()

    return run
