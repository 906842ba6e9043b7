"""Lab 4.4, NeMo AutoModel: the pinned NGC image, run through `spark-lab-nemo CMD…` with the Hugging Face cache
and a checkpoint directory mounted. The playbook runs the container `--rm` with neither, so every run downloads
the model again and `checkpoints/LATEST` is lost when it exits (NVIDIA-NeMo/Automodel#1218); here the checkpoints
land in ~/nemo-checkpoints on the host. In the container, `cd /opt/Automodel` and run the playbook's
`python3 examples/llm_finetune/finetune.py -c …` lines as they are."""

from pyinfra import host
from pyinfra.api import deploy

from roles import knob
from roles.hf_cache import hub_env
from sparklab.finetune_envs import env_command
from sparklab.operations import image_pulled

DEFAULTS = {
    "nemo_image": "nvcr.io/nvidia/nemo-automodel:26.02",
    # Where the image's finetune.py writes checkpoints/ (its working directory in the playbook).
    "nemo_workdir": "/opt/Automodel",
    # The recipe of the short check (`python -m sparklab.finetune --env nemo`): the playbook's LoRA example, run with
    # its own overrides (model, --packed_sequence.packed_sequence_size 1024, --step_scheduler.max_steps).
    "nemo_finetune_recipe": "examples/llm_finetune/llama3_2/llama3_2_1b_squad_peft.yaml",
}


@deploy("NeMo AutoModel environment", data_defaults=DEFAULTS)
def nemo_automodel():
    data = host.data
    image_pulled(name=f"NeMo AutoModel image {data.nemo_image}", image=data.nemo_image)
    env_command("nemo", title="NeMo AutoModel", image=data.nemo_image, docker_args=knob("finetune_docker_args"),
                env=hub_env(), mounts=[f"$HOME/nemo-checkpoints:{data.nemo_workdir}/checkpoints"],
                host_dirs=["$HOME/nemo-checkpoints"],
                extra_note="Checkpoints (checkpoints/LATEST) land in ~/nemo-checkpoints.")
