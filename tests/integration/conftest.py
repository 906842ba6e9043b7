"""Simulated-lab integration tests: the lab comes up once per session and goes down at the end."""

import os
import secrets

import pytest

from sparklab.runner import SIM_INVENTORY, simlab


@pytest.fixture(scope="session")
def sim_lab():
    """The two-host simulated lab, up; torn down after the session."""
    up = simlab("up")
    assert up.returncode == 0, up.stdout + up.stderr
    yield SIM_INVENTORY
    down = simlab("down")
    assert down.returncode == 0, down.stdout + down.stderr


@pytest.fixture(scope="module")
def stand_in_keys():
    """Stand-in NGC, Tailscale, Hugging Face, NVIDIA API and Tavily keys in the environment (the lab mirror's
    stand-ins accept any well-formed key); the previous environment is restored afterwards."""
    values = {"NGC_API_KEY": "nvapi-" + secrets.token_hex(20), "TS_AUTHKEY": "tskey-auth-" + secrets.token_hex(16),
              "HF_TOKEN": "hf_" + secrets.token_hex(17), "NVIDIA_API_KEY": "nvapi-" + secrets.token_hex(20),
              "TAVILY_API_KEY": "tvly-" + secrets.token_hex(16)}
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    yield values
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key)
        else:
            os.environ[key] = value
