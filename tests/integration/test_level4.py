"""Level 4 on the simulated lab: the environments built from the CPU PyTorch stand-in image with pinned packages,
LLaMA Factory's venv from its real source and own wheel set, the stand-in Hub's tiny model and datasets in the lab
user's cache: two runs, the second changes nothing; the checkpoint is green, and with --exercise the short fine-tunes
train for real; one changed pin rebuilds exactly that environment."""

import json
import subprocess

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
                 "test_nemo_image_and_checkpoints_that_outlive_its_container",
                 "test_hf_cache_is_the_lab_users_with_the_datas_models",
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


def test_exercise_fine_tunes_for_real_where_it_can(deployed, sim_lab, tmp_path):
    """--exercise on the level-4 items: the PyTorch/PEFT and LLaMA Factory short fine-tunes lower a real loss on
    the tiny model and write their adapters on both hosts; Unsloth and NeMo, which need CUDA, are N/A (not passed)."""
    check = runner.checkpoints(sim_lab, 4, tmp_path / "report.json", "--exercise", "-k", "test_level4")
    assert check.green, check.output[-6000:]
    items = {env: check.items[f"test_short_fine_tune_lowers_the_loss_and_writes_its_adapter[{env}]"]
             for env in ("pytorch", "llama-factory", "unsloth", "nemo")}
    assert items["pytorch"] == items["llama-factory"] == dict.fromkeys(HOSTS, "PASS"), items
    assert all(status.startswith("N/A (") and "GPU" in status
               for env in ("unsloth", "nemo") for status in items[env].values()), items


def test_finetune_command_reports_table_json_and_plot(deployed, sim_lab, tmp_path):
    run = subprocess.run([str(runner.BIN / "python"), "-m", "sparklab.finetune", "--inventory", sim_lab,
                          "--host", HOSTS[0], "--env", "pytorch", "--env", "nemo", "--out", str(tmp_path)],
                         cwd=runner.REPO, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    (folder,) = tmp_path.glob("finetune-*")
    result = json.loads((folder / "result.json").read_text())
    pytorch, nemo = result["runs"]
    assert pytorch["status"] == "PASS" and pytorch["loss_lowered"] is True and pytorch["steps"] == 20
    assert pytorch["artifact"].endswith("/adapter/adapter_model.safetensors") and nemo["status"] == "N/A"
    assert (folder / "loss.png").read_bytes().startswith(b"\x89PNG")
    assert run.stdout.splitlines()[0].split()[:3] == ["host", "environment", "result"]
