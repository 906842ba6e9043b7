"""Level 6 on the simulated lab: two runs (the second changes nothing), then the level-6 checkpoint,
including collectives and FSDP training across the two hosts over the QSFP stand-in bridge."""

import subprocess

import pytest

from sparklab import runner

pytestmark = pytest.mark.integration
DEPLOY = "deploys/level6.py"


@pytest.fixture(scope="module")
def deployed(sim_lab, stand_in_keys):
    return runner.deploy_twice(sim_lab, DEPLOY)[1]


def test_second_run_changes_nothing(deployed):
    assert deployed.converged, (deployed.totals, deployed.changed, deployed.errors)


def test_level6_checkpoint_green_across_the_pair(deployed, sim_lab, tmp_path):
    check = runner.checkpoints(sim_lab, 6, tmp_path / "report.json")
    assert check.green, check.output[-6000:]
    for item in ("test_mpirun_runs_on_every_node", "test_collectives_across_the_nodes_are_correct",
                 "test_short_fsdp_training_across_the_nodes_lowers_the_loss",
                 "test_lora_fine_tune_of_a_hub_model_across_the_nodes[fsdp]",
                 "test_lora_fine_tune_of_a_hub_model_across_the_nodes[deepspeed]"):
        assert check.items[item] == {"lab": "PASS"}, check.items[item]
    assert check.items["test_nccl_tests_pass_the_threshold_on_sparks"]["lab"].startswith("N/A (")


def test_a_missing_interface_fails_the_host_before_anything_is_written(sim_lab, tmp_path):
    inventory = tmp_path / "unplugged.py"
    text = (runner.REPO / sim_lab).read_text()
    inventory.write_text(text.replace('"name": "qsfp0"', '"name": "qsfp9"'))
    run = subprocess.run([str(runner.BIN / "pyinfra"), "-y", str(inventory), DEPLOY], cwd=runner.REPO,
                         capture_output=True, text=True, timeout=600)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    for host in ("spark-sim-1", "spark-sim-2"):
        assert f"QSFP interface qsfp9 not found on {host}" in output
    # The preflight is the first operation: once it fails, no other operation runs on the host.
    assert output.count("--> Starting operation:") == 1, output[-3000:]
