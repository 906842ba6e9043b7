import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("PYINFRA_FAKE_DELAY", "0")
sys.path.insert(0, str(Path(__file__).parent))

from planner import PEER_ADDRESSES, PEER_KEY, dgx_os_output, etc_release_output

TEST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlanTestKeyOnly plan@test"


def _dgx_os() -> dict[str, str]:
    return {
        "dgx-release": dgx_os_output("dgx-release"),
        # pyinfra's LinuxDistribution prints every /etc/*-release file.
        "ls -pdL *-release": etc_release_output("dgx-release", "lsb-release", "os-release"),
        "dpkg --print-architecture": dgx_os_output("dpkg-architecture"),
        "nvidia-smi -L": dgx_os_output("nvidia-smi-L"),
        "ss -ltnH": dgx_os_output("ss-ltnH"),
        "ibdev2netdev": dgx_os_output("ibdev2netdev"),
        "command -v dockerd": "/usr/bin/dockerd",
        "locale -a": "C\nC.utf8\nen_US.utf8",
        "uname -s": "Linux",
        "command -v useradd": "/usr/sbin/useradd",
        "ssh-keyscan -T 5 -t ed25519": "\n".join(f"{address} {PEER_KEY}" for address in PEER_ADDRESSES),
    }


@pytest.fixture
def dgx_os():
    """Command outputs of a freshly set-up DGX Spark (DGX OS 7): Docker present, GPU present."""
    return _dgx_os()


@pytest.fixture(scope="module")
def dgx_os_module():
    return _dgx_os()


@pytest.fixture
def plain_ubuntu():
    """A fresh Ubuntu 24.04 arm64 host: no Docker, no GPU."""
    return {
        "ls -pdL *-release": etc_release_output("lsb-release", "os-release"),
        "dpkg --print-architecture": "arm64",
        "locale -a": "C\nC.utf8",
        "uname -s": "Linux",
        "command -v useradd": "/usr/sbin/useradd",
        "ssh-keyscan -T 5 -t ed25519": "\n".join(f"{address} {PEER_KEY}" for address in PEER_ADDRESSES),
    }


@pytest.fixture
def key_data():
    return {"users_authorized_key_files": [], "users_authorized_keys": [TEST_KEY]}
