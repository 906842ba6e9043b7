"""Level 4 on the simulated lab: the environments built from the CPU PyTorch stand-in image with pinned packages,
LLaMA Factory's venv from its real source and own wheel set, the stand-in Hub's tiny model and datasets in the lab
user's cache: two runs, the second changes nothing; the checkpoint is green; one changed pin rebuilds exactly that
environment."""

import pytest

from sparklab import runner

pytestmark = pytest.mark.integration
DEPLOY = "deploys/level4.py"
HOSTS = ("spark-sim-1", "spark-sim-2")
UNSLOTH_PIP = '"unsloth_pip": ["transformers==5.24.0", "peft==0.21.2", "datasets==5.2.0"]'


@pytest.fixture(scope="module")
def deployed(sim_lab, stand_in_keys):
    return runner.deploy_twice(sim_lab, DEPLOY)


def test_second_run_changes_nothing(deployed):
    first, second = deployed
    assert first.returncode == 0, first.output[-4000:]
    assert second.converged, (second.totals, second.changed, second.errors)


def test_checkpoint_is_green(deployed, sim_lab, tmp_path):
    check = runner.checkpoints(sim_lab, 4, tmp_path / "report.json")
    assert check.green, check.output[-6000:]
    for item in ("test_environment_image_has_its_pins[pytorch]", "test_environment_image_has_its_pins[unsloth]",
                 "test_nemo_image_and_command", "test_hf_cache_is_the_lab_users_with_the_datas_models",
                 "test_llama_factory_at_its_commit_with_torch_held"):
        assert check.items[item] == dict.fromkeys(HOSTS, "PASS"), (item, check.items[item])


def test_one_changed_pin_rebuilds_exactly_that_environment(deployed, sim_lab, tmp_path):
    text = (runner.REPO / sim_lab).read_text()
    assert UNSLOTH_PIP in text
    inventory = tmp_path / "sim_lab_pin.py"
    inventory.write_text(text.replace(UNSLOTH_PIP, UNSLOTH_PIP.replace('"datasets==5.2.0"',
                                                                      '"datasets==5.2.0", "accelerate==1.15.0"')))
    run = runner.deploy(str(inventory), DEPLOY)
    assert run.returncode == 0, run.output[-4000:]
    changed = sorted({name.split(": ", 1)[1] for name in run.changed})
    assert changed and all(name.startswith("Unsloth environment | ") for name in changed), changed
    assert any(" image spark-lab/unsloth:" in name for name in changed), changed
