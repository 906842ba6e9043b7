"""Level 1 on the simulated lab: two runs, the second changes nothing, then the checkpoint is green;
drift is repaired; secrets never reach pyinfra's output."""

import re
import secrets

import pytest

from sparklab import runner
from sparklab.runner import on_sim_host
from tests.leaks import leaked

DEPLOY = "deploys/level1.py"
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def deployed(sim_lab, stand_in_keys):
    return runner.deploy_twice(sim_lab, DEPLOY)


def test_second_run_changes_nothing(deployed):
    _, second = deployed
    assert second.converged, (second.totals, second.changed, second.errors)


def test_checkpoint_green_with_gpu_items_not_applicable(deployed, sim_lab, tmp_path):
    check = runner.checkpoints(sim_lab, 1, tmp_path / "report.json")
    assert check.green, check.output[-6000:]
    assert set(check.hosts) == {"spark-sim-1", "spark-sim-2"}
    gpu_only = ("test_container_sees_the_gpu", "test_dgx_dashboard_listening")
    for item in gpu_only:
        assert all(s.startswith("N/A (") for s in check.items[item].values()), check.items[item]
    # Every other level-1 item passes on both hosts (the sim lab has every key and the toolkit stand-in).
    items = re.findall(r"^def (test_\w+)", (runner.REPO / "tests/checkpoints/test_level1.py").read_text(), re.MULTILINE)
    assert sorted(check.items) == sorted(items)
    for item in set(items) - set(gpu_only):
        assert check.items[item] == {"spark-sim-1": "PASS", "spark-sim-2": "PASS"}, (item, check.items[item])


def test_secrets_never_in_output_and_only_in_0600_files(deployed, stand_in_keys):
    first, second = deployed
    text = "".join(run.output + run.stdout for run in (first, second))
    for value in stand_in_keys.values():
        assert not leaked(value, text), "a secret reached pyinfra's output"
    listing = on_sim_host("spark-sim-1", "stat -c '%a %U %n' /etc/spark-lab/secrets/* /opt/jupyterlab/etc/token")
    assert listing.returncode == 0, listing.stderr
    for line in listing.stdout.splitlines():
        assert line.startswith("600 "), line
    procs = on_sim_host("spark-sim-1", "cat /proc/*/cmdline 2>/dev/null | tr '\\0' ' '")
    assert not any(leaked(value, procs.stdout) for value in stand_in_keys.values())


def test_drift_is_repaired(deployed, sim_lab, tmp_path):
    drift = (
        "python3 -c \"import json;p='/etc/docker/daemon.json';d=json.load(open(p));"
        "d.pop('runtimes');json.dump(d,open(p,'w'))\" && systemctl restart docker",
        "systemctl stop jupyterlab",
        "rm /home/student/.ssh/authorized_keys",
    )
    for command in drift:
        assert on_sim_host("spark-sim-2", command).returncode == 0, command
    repair = runner.deploy(sim_lab, DEPLOY)
    assert repair.returncode == 0 and repair.totals["error"] == 0, repair.output[-4000:]
    repaired = {name.split(": ", 1)[1] for name in repair.changed if name.startswith("spark-sim-2")}
    assert {"NVIDIA Container Toolkit | nvidia runtime in daemon.json", "JupyterLab | jupyterlab running",
            "Lab user | Lab user student"} <= repaired, repaired
    assert not [c for c in repair.changed if c.startswith("spark-sim-1")], "the other host is untouched"
    check = runner.checkpoints(sim_lab, 1, tmp_path / "report.json")
    assert check.green, check.output[-6000:]


def test_a_rotated_key_is_written_and_used_without_being_shown(deployed, sim_lab, stand_in_keys, monkeypatch):
    rotated = "nvapi-" + secrets.token_hex(20)
    monkeypatch.setenv("NGC_API_KEY", rotated)
    run = runner.deploy(sim_lab, DEPLOY, "--diff")  # --diff prints what files.put would change
    assert run.returncode == 0 and run.totals["error"] == 0, run.output[-4000:]
    assert not leaked(rotated, run.output + run.stdout)
    for host in ("spark-sim-1", "spark-sim-2"):
        assert {f"{host}: NGC | Secret ngc_api_key in /etc/spark-lab/secrets/ngc_api_key (0600)",
                f"{host}: NGC | NGC login for root", f"{host}: NGC | NGC login for student"} <= set(run.changed)
