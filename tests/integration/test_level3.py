"""Level 3 on the simulated lab: the playbooks' real compose files under Debian's real Compose v2, with stand-in
images: two runs, the second changes nothing; the checkpoint with --exercise starts every on-demand lab and
engine, finds it answering and stops it, with vLLM running at the end; `labs start chatbot` stops vLLM and
`labs stop chatbot` brings it back."""

import subprocess
import sys

import pytest

from sparklab import runner
from sparklab.runner import on_sim_host
from tests.leaks import leaked

pytestmark = pytest.mark.integration
DEPLOY = "deploys/level3.py"
HOSTS = ("spark-sim-1", "spark-sim-2")
LABS = ("agentic-rag", "chatbot", "txt2kg")


@pytest.fixture(scope="module")
def deployed(sim_lab, stand_in_keys):
    return runner.deploy_twice(sim_lab, DEPLOY)


def _labs(sim_lab, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sparklab.labs", "--inventory", sim_lab, "--host", HOSTS[0], *args],
                          cwd=runner.REPO, capture_output=True, text=True, timeout=1200)


def _state(unit: str) -> str:
    return on_sim_host(HOSTS[0], f"systemctl is-active {unit}").stdout.strip()


def test_second_run_changes_nothing(deployed):
    first, second = deployed
    assert first.returncode == 0, first.output[-4000:]
    assert second.converged, (second.totals, second.changed, second.errors)


def test_checkpoint_with_exercise_is_green(deployed, sim_lab, tmp_path):
    check = runner.checkpoints(sim_lab, 3, tmp_path / "report.json", "--exercise", timeout=3000)
    assert check.green, check.output[-6000:]
    items = ("test_playbooks_checkout_is_at_the_pinned_commit", "test_docker_compose_v2_is_installed",
             *(f"test_lab_{what}[{lab}]" for lab in LABS for what in ("unit_is_installed_on_demand",
                                                                       "starts_answers_and_stops")),
             *(f"test_lab_images_are_present[{lab}]" for lab in ("chatbot", "txt2kg")),
             *(f"test_lab_sources_and_models_are_in_place[{lab}]" for lab in LABS),
             *(f"test_engine_starts_on_demand[{engine}]" for engine in ("nim", "sglang", "trtllm")))
    for item in items:
        assert check.items[item] == dict.fromkeys(HOSTS, "PASS"), (item, check.items[item])
    for host in HOSTS:
        assert on_sim_host(host, "systemctl is-active engine-vllm").stdout.strip() == "active", host


def test_labs_start_chatbot_stops_vllm_and_stop_brings_it_back(deployed, sim_lab):
    assert _state("engine-vllm") == "active"
    started = _labs(sim_lab, "start", "chatbot")
    assert started.returncode == 0, started.stdout + started.stderr
    assert f"{HOSTS[0]}: stopped vllm" in started.stdout
    assert "ssh -L 3000:localhost:3000 -L 8000:localhost:8100 root@10.99.0.11" in started.stdout
    assert (_state("engine-vllm"), _state("lab-chatbot")) == ("inactive", "active")
    status = _labs(sim_lab, "status")
    assert status.returncode == 0 and "chatbot          active" in status.stdout, status.stdout
    stopped = _labs(sim_lab, "stop", "chatbot")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert "started again at boot's request: " in stopped.stdout and "vllm" in stopped.stdout
    assert (_state("engine-vllm"), _state("lab-chatbot")) == ("active", "inactive")


def test_labs_refuses_an_unknown_lab_with_exit_2(deployed, sim_lab):
    run = _labs(sim_lab, "start", "no-such-lab")  # comfyui, once the example here, is a level-5 lab of the lab's class
    assert run.returncode == 2 and "no workload 'no-such-lab'" in run.stderr


def test_secrets_never_in_output(deployed, stand_in_keys):
    text = "".join(run.output + run.stdout for run in deployed)
    assert not [name for name, value in stand_in_keys.items() if leaked(value, text)]
