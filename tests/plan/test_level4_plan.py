"""Level 4 planned on @fake DGX OS hosts: the environments' images built from the pinned NGC bases with pinned
packages, `--gpus all` and the Hugging Face cache in every environment command, NeMo's checkpoints kept,
LLaMA Factory at its commit with torch held, the HF token in the cache's own 0600 file, and one changed pin
rebuilding exactly that environment."""

import logging

import pytest
from planner import one, plan_one_spark, uploaded

SECRETS = {"HF_TOKEN": "hf_PLANTEST_token_42", "JUPYTERLAB_TOKEN": "jt-PLANTEST-42"}
CACHE = "/home/nvidia/.cache/huggingface"


def _plan(dgx_os, secrets=SECRETS, **extra):
    return plan_one_spark("deploys/level4.py", dgx_os, secrets, **extra)


@pytest.fixture(scope="module")
def planned(dgx_os_module):
    return _plan(dgx_os_module)


def test_pytorch_environment_is_the_playbooks_image_with_pinned_packages(planned):
    dockerfile = uploaded(planned["PyTorch fine-tuning environment | pytorch-finetune Dockerfile"])
    assert dockerfile.splitlines() == [
        "FROM nvcr.io/nvidia/pytorch:25.11-py3",
        "RUN pip install --no-cache-dir transformers==5.1.0 peft==0.18.1 datasets==4.5.0 trl==0.28.0 "
        "bitsandbytes==0.48.2 torchao==0.13.0"]
    build = one(planned, "PyTorch fine-tuning environment | pytorch-finetune image spark-lab/pytorch-finetune:")
    assert build.shell().startswith("docker build -q -t spark-lab/pytorch-finetune:")
    assert "DOCKER_BUILDKIT=0" not in build.shell()


def test_every_environment_command_has_the_gpu_and_the_hf_cache(planned):
    for role, name in (("PyTorch fine-tuning environment", "pytorch"), ("Unsloth environment", "unsloth"),
                       ("NeMo AutoModel environment", "nemo")):
        script = uploaded(planned[f"{role} | spark-lab-{name} command"])
        assert "--gpus all --ipc=host --ulimit memlock=-1 --ulimit stack=67108864" in script, name
        assert '-e HF_HOME=/hf -v "$HOME/.cache/huggingface:/hf"' in script, name
        assert '--user "$(id -u):$(id -g)"' in script and "HF_TOKEN" not in script, name
    nemo = uploaded(planned["NeMo AutoModel environment | spark-lab-nemo command"])
    assert '-v "$HOME/nemo-checkpoints:/opt/Automodel/checkpoints"' in nemo
    assert "nvcr.io/nvidia/nemo-automodel:26.02" in nemo
    assert planned["NeMo AutoModel environment | NeMo AutoModel image nvcr.io/nvidia/nemo-automodel:26.02"].shell() \
        == "docker pull nvcr.io/nvidia/nemo-automodel:26.02"


def test_unsloth_pins_the_set_the_playbook_left_unpinned(planned):
    dockerfile = uploaded(planned["Unsloth environment | unsloth Dockerfile"]).splitlines()
    assert dockerfile[-1] == ("RUN pip install --no-cache-dir --no-deps unsloth==2025.12.5 unsloth_zoo==2025.12.4 "
                              "bitsandbytes==0.48.2")


def test_llama_factory_at_its_commit_with_torch_held(planned):
    checkout = one(planned, "LLaMA Factory | LLaMA-Factory at 7af909522a95").shell()
    assert "checkout -q --detach 7af909522a951e3ad9f022ea6f88b6755257eaa5" in checkout
    assert "sudo -u nvidia -H git clone -q --no-checkout https://github.com/hiyouga/LLaMA-Factory.git" in checkout
    install = planned["LLaMA Factory | LLaMA Factory venv"].shell().splitlines()
    assert install[1] == ("sudo -u nvidia -H /home/nvidia/factoryEnv/bin/pip install -q --index-url "
                          "https://download.pytorch.org/whl/cu130 torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0")
    assert install[2].endswith("-e '.[metrics]' torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0")


def test_llama_factorys_own_pip_args_replace_base_pip_args(dgx_os):
    """llama_factory_pip_args (LLaMA Factory's own wheelhouse) stand in for base_pip_args in both installs; an
    empty llama_factory_torch_index leaves out --index-url; llama_factory_tmpdir is pip's TMPDIR."""
    own = ["--no-index", "--find-links", "http://mirror/wheels-llama-factory/"]
    planned = _plan(dgx_os, base_pip_args=["--no-index", "--find-links", "http://mirror/wheels/"],
                    llama_factory_pip_args=own, llama_factory_torch_index="", llama_factory_tmpdir="/var/tmp")
    install = planned["LLaMA Factory | LLaMA Factory venv"].shell().splitlines()
    assert install[1] == ("sudo -u nvidia -H env TMPDIR=/var/tmp /home/nvidia/factoryEnv/bin/pip install -q "
                          "--no-index --find-links "
                          "http://mirror/wheels-llama-factory/ torch==2.11.0 torchvision==0.26.0 torchaudio==2.11.0")
    assert "http://mirror/wheels-llama-factory/ -e '.[metrics]' torch==2.11.0" in install[2]
    assert "http://mirror/wheels/" not in "\n".join(install) and "--index-url" not in "\n".join(install)


def test_hf_token_lands_in_the_caches_own_0600_file_and_models_are_downloaded(planned):
    token = planned[f"Hugging Face cache | Secret hf_token in {CACHE}/token (0600)"]
    assert not any(isinstance(c, str) and "hf_PLANTEST" in c for c in token.commands)
    download = planned["Hugging Face cache | Hugging Face model unsloth/Phi-3.5-mini-instruct downloaded"].shell()
    assert download.startswith('docker run --rm --user "$(id -u nvidia):$(id -g nvidia)" -e HF_HOME=/hf')
    assert f"-v {CACHE}:/hf spark-lab/pytorch-finetune:" in download
    assert "hf download unsloth/Phi-3.5-mini-instruct --repo-type model" in download
    assert "Hugging Face cache | Hugging Face dataset tatsu-lab/alpaca downloaded" in planned


def test_a_gated_model_without_token_is_skipped_naming_it(dgx_os, caplog):
    caplog.set_level(logging.WARNING, logger="pyinfra")
    planned = _plan(dgx_os, secrets={"JUPYTERLAB_TOKEN": "jt"},
                    hf_models=[{"repo": "meta-llama/Llama-3.1-8B-Instruct", "gated": True}])
    assert not [n for n in planned if "meta-llama" in n]
    assert "Hugging Face model meta-llama/Llama-3.1-8B-Instruct: skipped (gated; needs secrets.hf_token)" in caplog.text


def test_the_short_checks_model_and_dataset_are_downloaded_even_when_not_listed(dgx_os):
    planned = _plan(dgx_os, hf_models=[], hf_datasets=[], finetune_check_model="Qwen/Qwen3-0.6B",
                    finetune_check_dataset="/data/alpaca.jsonl")
    assert [n.split(" | ")[1] for n in planned if " downloaded" in n and n.startswith("Hugging Face cache")] == [
        "Hugging Face model Qwen/Qwen3-0.6B downloaded"]  # a path on the Spark is not downloaded
    names = list(planned)
    home_cache = planned["Hugging Face cache | ~/.cache"].shell()
    assert "chown nvidia:nvidia /home/nvidia/.cache" in home_cache, home_cache  # not root's, made on the way
    assert names.index("Hugging Face cache | ~/.cache") < names.index("Hugging Face cache | Hugging Face cache")


def test_changing_one_pin_rebuilds_exactly_that_environment(planned, dgx_os):
    changed = _plan(dgx_os, unsloth_no_deps=["unsloth==2025.12.4", "unsloth_zoo==2025.12.4", "bitsandbytes==0.48.2"])

    def tags(ops):
        return sorted(n.rsplit(" ", 1)[-1] for n in ops if " image spark-lab/" in n)

    before, after = tags(planned), tags(changed)
    assert len(before) == 2 and len(set(before) - set(after)) == 1
    assert [t for t in before if t not in after][0].startswith("spark-lab/unsloth:")
