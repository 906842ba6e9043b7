"""Level 4 checkpoint — fine-tuning: each environment present at its pins (images built from the pinned bases and
packages, LLaMA Factory at its commit with torch held), the lab user's Hugging Face cache with the data's models
and datasets, the commands a student runs, and with --exercise a short LoRA fine-tune in each environment."""

import argparse
import time

import pytest

from sparklab import finetune
from sparklab.checkpoints import not_applicable
from sparklab.derived_images import derived_tag
from sparklab.finetune_inventory import host_data
from sparklab.finetune_runs import ENVS

pytestmark = pytest.mark.level(4)


def _cache(spark) -> str:
    return f"/home/{spark.lab_user}/.cache/huggingface"


def _frozen(host, command: str) -> set[str]:
    run = host.run(command)
    assert run.rc == 0, f"{command}: {run.stderr.strip()[-300:]}"
    return {line.strip().lower().replace("_", "-") for line in run.stdout.splitlines()}


def _missing(pins, frozen: set[str]) -> list[str]:
    return [p for p in pins if p.lower().replace("_", "-") not in frozen and
            not any(f.startswith(p.lower().replace("_", "-") + "+") for f in frozen)]


@pytest.mark.parametrize("env", ["pytorch", "unsloth"])
def test_environment_image_has_its_pins(host, spark, env):
    knobs = {"pytorch": ("pytorch-finetune", "pytorch_finetune_base_image", "pytorch_finetune_pip", ()),
             "unsloth": ("unsloth", "unsloth_base_image", "unsloth_pip", "unsloth_no_deps")}[env]
    name, base, pins, no_deps = knobs
    tag = derived_tag(name, spark.setting(base), spark.setting(pins), spark.setting("base_pip_args"),
                      spark.setting(no_deps) if no_deps else ())
    assert host.run(f"docker image inspect {tag}").rc == 0, f"no image {tag}"
    wanted = [*spark.setting(pins), *(spark.setting(no_deps) if no_deps else [])]
    missing = _missing(wanted, _frozen(host, f"docker run --rm --entrypoint pip {tag} freeze"))
    assert not missing, f"{tag} lacks {', '.join(missing)}"
    assert host.file(f"/usr/local/bin/spark-lab-{env}").mode == 0o755


def test_nemo_image_and_checkpoints_that_outlive_its_container(host, spark):
    """What NeMo writes under checkpoints/ (LATEST) lands in ~/nemo-checkpoints, the lab user's, after the
    container is gone (the playbook's `--rm` container loses it)."""
    image = spark.setting("nemo_image")
    assert host.run(f"docker image inspect {image}").rc == 0, f"no image {image}"
    user, probe = spark.lab_user, ".spark-lab-checkpoint-probe"
    inside = f"{spark.setting('nemo_workdir')}/checkpoints/{probe}"
    run = host.run(f"cd /tmp && sudo -u {user} -H spark-lab-nemo sh -c 'echo kept > {inside}'")
    assert run.rc == 0, run.stderr.strip()[-300:]
    kept = host.file(f"/home/{user}/nemo-checkpoints/{probe}")
    try:
        assert kept.exists and kept.user == user and kept.content_string.strip() == "kept"
    finally:
        host.run(f"rm -f /home/{user}/nemo-checkpoints/{probe}")


def test_llama_factory_at_its_commit_with_torch_held(host, spark):
    if not spark.setting("llama_factory_enabled"):
        not_applicable("llama_factory_enabled is off in the inventory")
    home = f"/home/{spark.lab_user}"
    head = host.run(f"git -c safe.directory='*' -C {home}/LLaMA-Factory rev-parse HEAD").stdout.strip()
    assert head == spark.setting("llama_factory_commit"), f"LLaMA-Factory is at {head or 'nothing'}"
    missing = _missing(spark.setting("llama_factory_torch"), _frozen(host, f"{home}/factoryEnv/bin/pip freeze"))
    assert not missing, f"factoryEnv lacks {', '.join(missing)} (displaced?)"
    assert host.run(f"test -x {home}/factoryEnv/bin/llamafactory-cli").rc == 0, "no llamafactory-cli"


def test_hf_cache_is_the_lab_users_with_the_datas_models(host, spark):
    cache = host.file(_cache(spark))
    assert cache.is_directory and cache.user == spark.lab_user
    token = host.file(f"{_cache(spark)}/token")
    if spark.missing_secret("hf_token") is None:
        assert token.exists and token.mode == 0o600 and token.user == spark.lab_user
    missing = []
    for key, kind in (("hf_models", "model"), ("hf_datasets", "dataset")):
        for entry in spark.setting(key):
            repo, gated = (entry, False) if isinstance(entry, str) else (entry["repo"], entry.get("gated", False))
            if gated and spark.missing_secret("hf_token"):
                continue
            folder = f"{_cache(spark)}/hub/{kind}s--{repo.replace('/', '--')}/snapshots"
            if not host.run(f"ls -A {folder}").stdout.strip():
                missing.append(repo)
    if not spark.setting("hf_models") and not spark.setting("hf_datasets"):
        not_applicable("no models or datasets in the inventory")
    assert not missing, f"not in the cache: {', '.join(missing)}"


@pytest.mark.parametrize("finetune_env", list(ENVS))
def test_short_fine_tune_lowers_the_loss_and_writes_its_adapter(request, tmp_path, spark, finetune_env):
    """--exercise: `python -m sparklab.finetune`'s run of this environment (the inventory's check model and
    dataset, finetune_check_steps of LoRA, heavy workloads stopped for it and the boot ones back after): it exits
    0, its loss falls, its adapter or checkpoint exists.
    Environments that need a GPU (Unsloth, NeMo) are not applicable where their container sees none."""
    if not request.config.getoption("--exercise"):
        not_applicable("fine-tuning takes minutes: run the checkpoint with --exercise")
    target = finetune.Spark(host_data(spark))
    args = argparse.Namespace(model=None, dataset=None, steps=None, lr=None, timeout=3600)
    (run,), problems = finetune.run_host(target, [ENVS[finetune_env]], args, time.strftime("%Y%m%d-%H%M%S"),
                                         tmp_path)
    assert not problems, problems
    if run.status == "N/A":
        not_applicable(run.reason)
    assert run.status == "PASS", f"{run.reason} (run folder {run.folder})"
