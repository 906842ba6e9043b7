"""Lab 4.1, fine-tuning with PyTorch: the playbook's NGC PyTorch container with its Python packages **pinned** and
installed once into a local image (the playbook runs `pip install transformers peft datasets trl bitsandbytes`,
unpinned, inside a `--rm` container each time). `spark-lab-pytorch CMD…` runs CMD in it; the playbook's scripts
are in ~/pytorch-fine-tune, so `cd ~/pytorch-fine-tune && spark-lab-pytorch python Llama3_8B_LoRA_finetuning.py`
runs the lab as the playbook says (levels-3-5.md §4.1, dgx-spark-playbooks.md §4.2)."""

from pyinfra import host
from pyinfra.api import deploy

from roles import knob
from roles.hf_cache import hub_env
from roles.playbooks_source import lab_dir
from roles.users import home
from sparklab.derived_images import derived_image, derived_tag
from sparklab.finetune_envs import env_command, scripts_copied

DEFAULTS = {
    "pytorch_finetune_base_image": "nvcr.io/nvidia/pytorch:25.11-py3",
    # The playbook's install-requirements, pinned: the releases current when it was last updated (2026-02-11),
    # its torchao pin, and bitsandbytes at its floor, 0.48.2 (0.49.1 breaks Unsloth: dgx-spark-playbooks#57).
    "pytorch_finetune_pip": ["transformers==5.1.0", "peft==0.18.1", "datasets==4.5.0", "trl==0.28.0",
                             "bitsandbytes==0.48.2", "torchao==0.13.0"],
    # The playbooks' flags for training containers (the simulated lab drops --gpus and memlock).
    "finetune_docker_args": ["--gpus", "all", "--ipc=host", "--ulimit", "memlock=-1", "--ulimit", "stack=67108864"],
}
NAME = "pytorch"


def pytorch_image() -> str:
    """The tag of the PyTorch environment's image (built by this role)."""
    return derived_tag(f"{NAME}-finetune", knob("pytorch_finetune_base_image"), knob("pytorch_finetune_pip"),
                       knob("base_pip_args"))


@deploy("PyTorch fine-tuning environment", data_defaults=DEFAULTS)
def pytorch_finetune():
    data = host.data
    tag = derived_image(f"{NAME}-finetune", data.pytorch_finetune_base_image, data.pytorch_finetune_pip,
                        pip_args=knob("base_pip_args"), buildkit=knob("docker_buildkit"))
    env_command(NAME, title="PyTorch fine-tuning", image=tag, docker_args=data.finetune_docker_args, env=hub_env())
    scripts_copied("PyTorch fine-tuning", f"{lab_dir('pytorch-fine-tune')}", f"{home()}/pytorch-fine-tune",
                   data.lab_user, knob("playbooks_commit"))
