"""`make demo` as a newcomer runs it (issue 10): none of the secret variables set, the highest level
deployed twice, every checkpoint item PASS or N/A with a reason; a second demo changes nothing."""

import os
import re
import subprocess
import sys

import pytest

from sparklab.runner import REPO

pytestmark = pytest.mark.integration
SECRET_VARIABLES = ("NGC_API_KEY", "TS_AUTHKEY", "HF_TOKEN", "JUPYTERLAB_TOKEN", "NVIDIA_API_KEY", "TAVILY_API_KEY")


def _demo() -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SECRET_VARIABLES}
    return subprocess.run([sys.executable, "-m", "sparklab.demo"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=3600)


def _changed(report: str) -> list[int]:
    return [int(n) for n in re.findall(r"^(?:first|second) run\s+changed\s+(\d+)", report, re.MULTILINE)]


@pytest.fixture(scope="module")
def demos(sim_lab):
    return _demo(), _demo()


def test_demo_is_green_without_any_secret(demos):
    first, _ = demos
    assert first.returncode == 0, first.stdout[-6000:] + first.stderr[-3000:]
    assert "checkpoints: green" in first.stdout
    assert "idempotent: yes" in first.stdout
    for variable in SECRET_VARIABLES[:3]:
        assert f"${variable} not set: using the simulated lab's stand-in" in first.stdout
    rows = [line for line in first.stdout.splitlines() if " FAIL" in line or line.rstrip().endswith("N/A")]
    assert not rows, rows


def test_a_second_demo_changes_nothing_in_either_run(demos):
    _, second = demos
    assert second.returncode == 0, second.stdout[-6000:] + second.stderr[-3000:]
    assert _changed(second.stdout) == [0, 0], second.stdout
