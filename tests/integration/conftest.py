"""Simulated-lab integration tests: the lab comes up once per session and goes down at the end."""

import subprocess
import sys

import pytest

from sparklab.rehearse import REPO

SIM_INVENTORY = "inventories/sim_lab.py"


def simlab(*args: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simlab", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def sim_lab():
    """The two-host simulated lab, up; torn down after the session."""
    up = simlab("up")
    assert up.returncode == 0, up.stdout + up.stderr
    yield SIM_INVENTORY
    down = simlab("down")
    assert down.returncode == 0, down.stdout + down.stderr
