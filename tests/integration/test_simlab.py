"""The simulated lab itself: every host boots to `running`; up and down are idempotent and leave nothing."""

import subprocess
import sys
from pathlib import Path

import pytest

from sparklab.rehearse import REPO, SIM_INVENTORY, simlab

pytestmark = pytest.mark.integration


def leftovers() -> list[str]:
    found = [line for line in Path("/proc/mounts").read_text().splitlines() if "sparklab-sim" in line]
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    found += [line.split(":")[1].strip() for line in links.splitlines() if "splab" in line]
    procs = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    found += [p for p in procs.splitlines() if p.startswith("systemd-nspawn") or "sparklab-sim" in p]
    if Path("/run/systemd/nspawn").exists():
        found += [str(p) for p in Path("/run/systemd/nspawn").iterdir()]
    return found


def test_every_host_is_running(sim_lab):
    run = subprocess.run([str(Path(sys.executable).with_name("pyinfra")), "-y", SIM_INVENTORY, "exec", "--",
                          "systemctl", "is-system-running"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    for host in ("spark-sim-1", "spark-sim-2"):
        assert f"[{host}] running" in run.stderr + run.stdout


def test_up_and_down_twice_leave_nothing_behind(sim_lab):
    for _ in range(2):
        down = simlab("down")
        assert down.returncode == 0, down.stderr
        assert leftovers() == []
        assert simlab("down").returncode == 0
        assert leftovers() == []
        up = simlab("up")
        assert up.returncode == 0, up.stderr
        assert simlab("up").returncode == 0
        assert simlab("status").returncode == 0
