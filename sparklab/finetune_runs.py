"""The short fine-tune of each level-4 environment: what goes into its run folder on the Spark, the command that
runs it there (the same `spark-lab-NAME` command or venv a student uses), and how its result is read.

A run folder is ``~/finetune-runs/<stamp>-<env>`` in the lab user's home. It keeps everything needed to run it again
by hand (``sh run.sh``): the script or config, ``train.log``, the framework's own metrics file and the adapter or
checkpoint. ``run.sh`` exits 3 when the environment has no GPU and needs one (Unsloth, NeMo): not applicable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from shlex import join, quote

from sparklab import finetune_logs
from sparklab.finetune_logs import Curve
from sparklab.hub import hub_env, is_path
from sparklab.toolcli import REPO

NO_GPU = 3  # run.sh's exit status when the environment needs a GPU that is not there
SHORT_LORA = REPO / "templates" / "finetune" / "short_lora.py"
INSTRUCT_DATA = REPO / "distributed" / "train" / "instruct_data.py"  # short_lora.py's data module, copied as is
# Peak resident memory of the command's children, for LLaMA Factory on a machine without a GPU (RECORD_VRAM
# reports the GPU's peak where there is one).
RUSAGE = ("import json, resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
          "json.dump({'max_rss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, open('rusage.json', 'w'))"
          "; sys.exit(rc)")


@dataclass(frozen=True)
class Check:
    """What to train: a chat model and an instruction dataset of the Hub (or paths on the Spark)."""
    model: str
    dataset: str
    steps: int
    lr: float
    template: str  # LLaMA Factory's chat template for the model


@dataclass(frozen=True)
class Plan:
    files: dict[str, bytes]  # written into the run folder
    script: str  # run.sh
    collect: tuple[str, ...]  # files read back (relative to the run folder)
    artifact: str  # the adapter or checkpoint file that must exist afterwards


@dataclass(frozen=True)
class Env:
    name: str
    title: str
    plan: Callable[[Check, Mapping], Plan]
    curve: Callable[[Mapping[str, str]], Curve]  # collected files -> curve
    enabled_by: str | None = None  # the knob that turns it off


def _script(*lines: str) -> str:
    return "\n".join(["#!/bin/sh", "# Written by python -m sparklab.finetune; `sh run.sh` runs it again.", "set -e",
                      *lines]) + "\n"


def _installed(command: str) -> str:
    return f"command -v {command} >/dev/null || {{ echo '{command} is not installed (deploy level 4)' >&2; exit 1; }}"


def _short_lora(framework: str, command: str) -> Callable[[Check, Mapping], Plan]:
    def plan(check: Check, settings: Mapping) -> Plan:
        dataset, copy = _dataset(check)
        argv = [command, "python", "short_lora.py", "--framework", framework, "--model", check.model,
                "--dataset", dataset, "--steps", str(check.steps), "--lr", str(check.lr), "--out", "adapter"]
        return Plan(files={"short_lora.py": SHORT_LORA.read_bytes(), "instruct_data.py": INSTRUCT_DATA.read_bytes()},
                    script=_script(_installed(command), *copy, f"exec {join(argv)}"),
                    collect=("train.log",), artifact="adapter/adapter_model.safetensors")
    return plan


def _hub_exports(settings: Mapping) -> list[str]:
    return [f"export {k}={quote(v)}" for k, v in sorted(hub_env(settings.get).items())]


def _dataset(check: Check) -> tuple[str, list[str]]:
    """The dataset as the run sees it, and run.sh's lines that put it there: a file on the Spark is copied into
    the run folder (the containers see that folder, not the host's others); a Hub name is used as it is."""
    if not is_path(check.dataset):
        return check.dataset, []
    name = Path(check.dataset).name
    return name, [f"cp {check.dataset if check.dataset.startswith('~') else quote(check.dataset)} {quote(name)}"]


def llama_factory_config(check: Check) -> dict:
    """The playbook's qwen3_lora_sft.yaml, cut to a short run on ``check``'s model and dataset."""
    return {
        "model_name_or_path": check.model, "trust_remote_code": True,
        "stage": "sft", "do_train": True, "finetuning_type": "lora", "lora_rank": 8, "lora_target": "all",
        "dataset": "short_check", "dataset_dir": ".", "template": check.template, "cutoff_len": 256,
        "max_samples": 256, "overwrite_cache": True, "preprocessing_num_workers": 1, "dataloader_num_workers": 0,
        "output_dir": "adapter", "logging_steps": 1, "save_strategy": "no", "plot_loss": True,
        "overwrite_output_dir": True, "report_to": "none",
        "per_device_train_batch_size": 4, "gradient_accumulation_steps": 1, "learning_rate": check.lr,
        "max_steps": check.steps, "lr_scheduler_type": "constant", "seed": 0,
    }


def _llama_factory(check: Check, settings: Mapping) -> Plan:
    dataset, copy = _dataset(check)
    entry = {"file_name": dataset} if copy else {"hf_hub_url": dataset}
    files = {"short_lora.yaml": json.dumps(llama_factory_config(check), indent=2).encode(),  # JSON is YAML
             "dataset_info.json": json.dumps({"short_check": entry}, indent=2).encode()}
    venv = "$HOME/factoryEnv/bin"
    script = _script(
        f'test -x "{venv}/llamafactory-cli" || {{ echo "no {venv}/llamafactory-cli (deploy level 4)" >&2; exit 1; }}',
        *_hub_exports(settings), *copy,
        # bf16 where a GPU is (the playbook's bf16: true), float32 on a CPU: a command-line override of the config
        f'bf16=false; "{venv}/python" -c "import torch, sys; sys.exit(not torch.cuda.is_available())" && bf16=true',
        f'RECORD_VRAM=1 exec "{venv}/python" -c {quote(RUSAGE)} "{venv}/llamafactory-cli" train short_lora.yaml '
        'bf16=$bf16')
    return Plan(files=files, script=script, artifact="adapter/adapter_model.safetensors",
                collect=("train.log", "adapter/trainer_log.jsonl", "adapter/train_results.json", "rusage.json"))


def _llama_factory_curve(files: Mapping[str, str]) -> Curve:
    rusage = json.loads(files.get("rusage.json") or "{}")
    return finetune_logs.llama_factory(files.get("adapter/trainer_log.jsonl", ""),
                                       files.get("adapter/train_results.json", ""), rusage.get("max_rss_kb"))


def _nemo(check: Check, settings: Mapping) -> Plan:
    recipe = ["python3", "examples/llm_finetune/finetune.py", "-c", settings["nemo_finetune_recipe"],
              "--model.pretrained_model_name_or_path", check.model, "--packed_sequence.packed_sequence_size", "1024",
              "--step_scheduler.max_steps", str(check.steps), "--checkpoint.checkpoint_dir", "/workspace/checkpoints"]
    inner = f"cd {quote(settings['nemo_workdir'])} && {join(recipe)}"
    script = _script(
        _installed("spark-lab-nemo"),
        f"spark-lab-nemo nvidia-smi -L >/dev/null 2>&1 || {{ echo 'NeMo AutoModel needs a GPU and none is visible "
        f"in its container (nvidia-smi -L failed)' >&2; exit {NO_GPU}; }}",
        f"exec spark-lab-nemo sh -c {quote(inner)}")
    return Plan(files={}, script=script, collect=("train.log", "checkpoints/training.jsonl"),
                artifact="checkpoints/LATEST")


ENVS = {
    "pytorch": Env("pytorch", "PyTorch (PEFT)", _short_lora("peft", "spark-lab-pytorch"),
                   lambda files: finetune_logs.short_lora(files.get("train.log", ""))[0]),
    "unsloth": Env("unsloth", "Unsloth", _short_lora("unsloth", "spark-lab-unsloth"),
                   lambda files: finetune_logs.short_lora(files.get("train.log", ""))[0]),
    "llama-factory": Env("llama-factory", "LLaMA Factory", _llama_factory, _llama_factory_curve,
                         enabled_by="llama_factory_enabled"),
    "nemo": Env("nemo", "NeMo AutoModel", _nemo,
                lambda files: finetune_logs.nemo(files.get("checkpoints/training.jsonl", ""))),
}
