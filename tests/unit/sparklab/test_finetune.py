"""`python -m sparklab.finetune` on this machine: the run folder, run.sh and the report are the real ones; only the
SSH hop is replaced by a local shell, and `spark-lab-NAME` by a shim that runs the command in this venv (the
PyTorch environment's packages: torch, transformers, peft). The PyTorch run really trains the stand-in tiny Llama."""

import json
import os
import subprocess
import sys
from argparse import Namespace
from pathlib import Path

import pytest

from simlab.mirror import hf_repos
from sparklab import finetune, finetune_report, finetune_runs
from sparklab.finetune_runs import ENVS, Check
from sparklab.toolcli import FAIL, PASS, USAGE

MODEL, DATASET = "nvidia-lab/Llama-3.2-tiny-Instruct", "nvidia-lab/alpaca-tiny"
SETTINGS = {"finetune_check_model": "m", "finetune_check_dataset": "d", "finetune_check_template": "llama3",
            "finetune_check_steps": 12, "finetune_check_lr": 1e-2, "hf_endpoint": "http://hub.invalid",
            "hf_env": {"HF_HUB_DISABLE_TELEMETRY": "1"}, "llama_factory_enabled": True,
            "nemo_workdir": "/opt/Automodel", "nemo_finetune_recipe": "examples/llm_finetune/x.yaml"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    hf_repos.build_hub(root)
    return root


class LocalSpark(finetune.Spark):
    """A Spark whose shell is this machine's, with shims first on PATH."""

    def __init__(self, root: Path, settings=None):
        super().__init__({"name": "spark-local", "ssh": {"ssh_hostname": "localhost"}, "lab_user": "student",
                          "settings": {**SETTINGS, **(settings or {})}, "workloads": []})
        self.root, self.bin = root, root / "bin"
        self.bin.mkdir(exist_ok=True)

    @property
    def runs_dir(self) -> str:
        return str(self.root / "home" / finetune.RUNS)

    def shim(self, name: str, body: str) -> None:
        (self.bin / name).write_text(f"#!/bin/sh\n{body}\n")
        (self.bin / name).chmod(0o755)

    def run_bytes(self, command, *, timeout=120, stdin=None, as_user=None):
        env = {**os.environ, "PATH": f"{self.bin}:{os.environ['PATH']}", "HOME": str(self.root / "home")}
        done = subprocess.run(["sh", "-c", command], input=stdin or b"", capture_output=True, env=env,
                              timeout=timeout, check=False)
        return done.returncode, done.stdout, done.stderr.decode()


def _in_this_venv(spark: LocalSpark, name: str) -> None:
    """`spark-lab-NAME python …` runs this interpreter in the current directory, as the real command does."""
    spark.shim(name, f'[ "$1" = python ] && shift; exec {sys.executable} "$@"')


def _check(hub: Path, steps: int = 12) -> Check:
    return Check(model=str(hub / "models" / MODEL), dataset=str(hub / "datasets" / DATASET / "data" / "train.jsonl"),
                 steps=steps, lr=1e-2, template="llama3")


def test_pytorch_run_trains_writes_an_adapter_and_its_logs(tmp_path, hub):
    spark = LocalSpark(tmp_path)
    _in_this_venv(spark, "spark-lab-pytorch")
    run = finetune.run_env(spark, ENVS["pytorch"], _check(hub), "stamp", tmp_path / "report", timeout=600)
    assert run.status == "PASS", run.reason
    assert run.curve.steps == 12 and run.curve.lowered() and run.curve.memory_kind == "rss"
    folder = Path(run.folder)
    assert (folder / "adapter" / "adapter_model.safetensors").is_file()
    assert (folder / "run.sh").read_text().splitlines()[-1].startswith("exec spark-lab-pytorch python short_lora.py")
    assert (tmp_path / "report" / "spark-local" / "pytorch" / "train.log").read_text().count('"step"') == 12


def test_unsloth_without_a_gpu_is_not_applicable(tmp_path, hub):
    spark = LocalSpark(tmp_path)
    _in_this_venv(spark, "spark-lab-unsloth")
    run = finetune.run_env(spark, ENVS["unsloth"], _check(hub), "stamp", tmp_path / "report", timeout=600)
    assert run.status == "N/A" and "needs a CUDA GPU" in run.reason


def test_nemo_without_a_gpu_in_its_container_is_not_applicable(tmp_path, hub):
    spark = LocalSpark(tmp_path)
    spark.shim("spark-lab-nemo", 'echo "$*" >> calls; [ "$1" = nvidia-smi ] && exit 127; exit 0')
    run = finetune.run_env(spark, ENVS["nemo"], _check(hub), "stamp", tmp_path / "report", timeout=60)
    assert run.status == "N/A" and "needs a GPU" in run.reason
    assert (Path(run.folder) / "calls").read_text() == "nvidia-smi -L\n"  # nothing else ran


def test_a_missing_environment_fails_with_the_fix(tmp_path, hub):
    spark = LocalSpark(tmp_path)
    run = finetune.run_env(spark, ENVS["llama-factory"], _check(hub), "stamp", tmp_path / "report", timeout=60)
    assert run.status == "FAIL" and "llamafactory-cli (deploy level 4)" in run.reason
    off = LocalSpark(tmp_path, {"llama_factory_enabled": False})
    assert finetune.run_env(off, ENVS["llama-factory"], _check(hub), "s", tmp_path, 60).status == "N/A"


def test_a_run_whose_loss_does_not_fall_fails(tmp_path, hub):
    spark = LocalSpark(tmp_path)
    spark.shim("spark-lab-pytorch", "mkdir -p adapter && touch adapter/adapter_model.safetensors\n"
               + "\n".join(f'echo \'{{"step": {s}, "loss": {1 + s / 10}, "seconds": 0.1}}\'' for s in range(1, 11)))
    run = finetune.run_env(spark, ENVS["pytorch"], _check(hub), "stamp", tmp_path / "report", timeout=60)
    assert run.status == "FAIL" and run.reason == "the loss did not fall"


def test_nemo_runs_the_playbooks_command_with_its_checkpoints_in_the_run_folder():
    plan = ENVS["nemo"].plan(Check("meta-llama/Llama-3.1-8B", "x", 20, 1e-4, "llama3"), SETTINGS)
    last = plan.script.splitlines()[-1]
    assert last.startswith("exec spark-lab-nemo sh -c ")
    assert ("cd /opt/Automodel && python3 examples/llm_finetune/finetune.py -c examples/llm_finetune/x.yaml "
            "--model.pretrained_model_name_or_path meta-llama/Llama-3.1-8B --packed_sequence.packed_sequence_size "
            "1024 --step_scheduler.max_steps 20 --checkpoint.checkpoint_dir /workspace/checkpoints") in last
    assert plan.artifact == "checkpoints/LATEST"


def test_llama_factory_config_is_the_playbooks_cut_short():
    plan = ENVS["llama-factory"].plan(Check("Qwen/Qwen3-4B-Instruct-2507", "tatsu-lab/alpaca", 20, 2e-4,
                                            "qwen3_nothink"), SETTINGS)
    config = json.loads(plan.files["short_lora.yaml"])
    assert config["finetuning_type"] == "lora" and config["template"] == "qwen3_nothink"
    assert config["max_steps"] == 20 and config["output_dir"] == "adapter" and config["report_to"] == "none"
    assert json.loads(plan.files["dataset_info.json"]) == {"short_check": {"hf_hub_url": "tatsu-lab/alpaca"}}
    assert "export HF_ENDPOINT=http://hub.invalid" in plan.script
    assert plan.script.rstrip().endswith("train short_lora.yaml bf16=$bf16")


def test_report_table_json_and_plot(tmp_path, hub):
    spark = LocalSpark(tmp_path)
    _in_this_venv(spark, "spark-lab-pytorch")
    runs = [finetune.run_env(spark, ENVS["pytorch"], _check(hub, 6), "stamp", tmp_path, 600),
            finetune.Run("spark-local", "unsloth", "N/A", "Unsloth needs a CUDA GPU"),
            finetune.Run("spark-local", "nemo", "N/A", "NeMo AutoModel needs a GPU " + "and more words " * 10)]
    result = finetune_report.write(tmp_path, runs)
    assert result["status"] == "PASS" and result["runs"][0]["loss_lowered"] is True
    assert json.loads((tmp_path / "result.json").read_text()) == result
    assert (tmp_path / "loss.png").read_bytes().startswith(b"\x89PNG")
    table = finetune_report.table(runs).splitlines()
    assert table[0].split()[:3] == ["host", "environment", "result"]
    assert "adapter/adapter_model.safetensors" in table[1] and "N/A (Unsloth needs a CUDA GPU)" in table[2]
    assert "N/A (NeMo AutoModel needs a GPU and more words and more words an…)" in table[3]
    assert result["runs"][2]["reason"].endswith("and more words ")  # the JSON keeps the whole reason


def test_cli_exit_status_for_a_bad_inventory(tmp_path, capsys):
    assert finetune.main(["--inventory", str(tmp_path / "missing.py")]) == USAGE
    assert "no inventory file" in capsys.readouterr().err


def test_exit_status_follows_the_runs(tmp_path, monkeypatch):
    outcomes = {"PASS": PASS, "FAIL": FAIL, "N/A": USAGE}
    for status, code in outcomes.items():
        monkeypatch.setattr(finetune, "load_inventory_hosts", lambda *_: [
            {"name": "s", "ssh": {}, "lab_user": "u", "settings": SETTINGS, "workloads": []}])
        monkeypatch.setattr(finetune, "run_env", lambda spark, env, *a, status=status: finetune.Run("s", env.name,
                                                                                                     status))
        monkeypatch.setattr(finetune.Spark, "run", lambda self, command, timeout=120: (0, "loaded\ninactive\n"))
        assert finetune.main(["--inventory", "x", "--env", "pytorch", "--out", str(tmp_path)]) == code


def test_every_environment_has_a_plan():
    assert set(ENVS) == {"pytorch", "unsloth", "llama-factory", "nemo"}
    assert finetune_runs.SHORT_LORA.is_file() and finetune_runs.INSTRUCT_DATA.is_file()


def test_a_heavy_engine_makes_way_for_the_fine_tunes_and_comes_back(monkeypatch, tmp_path, capsys):
    active, order = {"engine-vllm"}, []

    def run(self, command, timeout=120):
        word = command.split()
        unit = word[-1].removesuffix(".service")
        if word[:2] == ["systemctl", "show"]:
            return 0, "loaded\n" + ("active" if unit in active else "inactive") + "\n"
        if word[:2] in (["systemctl", "stop"], ["systemctl", "start"]):
            (active.discard if word[1] == "stop" else active.add)(unit)
            order.append(f"{word[1]} {unit}")
            return 0, ""
        return (0, "ok") if "engine-vllm" in active else (7, "refused")  # curl of its health route

    monkeypatch.setattr(finetune.Spark, "run", run)
    monkeypatch.setattr(finetune, "run_env", lambda spark, env, *a: order.append(f"train {env.name}") or
                        finetune.Run(spark.name, env.name, "PASS"))
    vllm = {"name": "vllm", "unit": "engine-vllm", "heavy": True, "boot": True, "ports": {"8000": "vLLM"},
            "health": [{"port": 8000, "path": "/health", "label": "", "expect": ""}], "tunnels": {}}
    spark = finetune.Spark({"name": "s", "ssh": {}, "lab_user": "u", "settings": SETTINGS, "workloads": [vllm]})
    args = Namespace(model=None, dataset=None, steps=None, lr=None, timeout=5)
    runs, problems = finetune.run_host(spark, [ENVS["pytorch"], ENVS["nemo"]], args, "stamp", tmp_path)
    assert order == ["stop engine-vllm", "train pytorch", "train nemo", "start engine-vllm"]
    assert problems == [] and [r.status for r in runs] == ["PASS", "PASS"]
    assert "s: stopped vllm for the fine-tunes (one heavy workload at a time)" in capsys.readouterr().err


def test_a_dataset_file_is_copied_into_the_run_folder_and_a_model_path_is_refused(tmp_path, hub):
    dataset = str(hub / "datasets" / DATASET / "data" / "train.jsonl")
    check = Check(model="org/model", dataset=dataset, steps=4, lr=1e-2, template="llama3")
    pytorch = ENVS["pytorch"].plan(check, SETTINGS)
    assert f"cp {dataset} train.jsonl" in pytorch.script and "--dataset train.jsonl" in pytorch.script
    factory = ENVS["llama-factory"].plan(check, SETTINGS)
    assert json.loads(factory.files["dataset_info.json"]) == {"short_check": {"file_name": "train.jsonl"}}
    spark = LocalSpark(tmp_path)
    with pytest.raises(finetune.UsageError, match="model /models/x: give a Hub name"):
        spark.check(Namespace(model="/models/x", dataset=None, steps=None, lr=None))
