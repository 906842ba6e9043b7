"""Simulated-lab integration tests: the lab comes up once per session and goes down at the end."""

import pytest

from sparklab.rehearse import SIM_INVENTORY, simlab


@pytest.fixture(scope="session")
def sim_lab():
    """The two-host simulated lab, up; torn down after the session."""
    up = simlab("up")
    assert up.returncode == 0, up.stdout + up.stderr
    yield SIM_INVENTORY
    down = simlab("down")
    assert down.returncode == 0, down.stdout + down.stderr
