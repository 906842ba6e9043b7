"""Lab 4.2, Unsloth: the playbook's NGC PyTorch container with its pip installs done once into a local image, and
unsloth, unsloth_zoo and bitsandbytes **pinned**. The playbook installs those three unpinned (`--no-deps`), which
broke in January 2026 (dgx-spark-playbooks#57: bitsandbytes 0.49.1 with unsloth 2026.1.4). The pins below are the
set that was current when the playbook was last validated (12/15/2025): unsloth 2025.12.5 and unsloth_zoo 2025.12.4,
released together on 2025-12-12, with bitsandbytes 0.48.2, the last release before the 0.49 series.
`spark-lab-unsloth python test_unsloth.py` in ~/unsloth runs the lab; the model is cached, not re-downloaded."""

from pyinfra import host
from pyinfra.api import deploy

from roles import knob
from roles.hf_cache import hub_env
from roles.playbooks_source import lab_dir
from roles.users import home
from sparklab.derived_images import derived_image
from sparklab.finetune_envs import env_command, scripts_copied

DEFAULTS = {
    "unsloth_base_image": "nvcr.io/nvidia/pytorch:25.11-py3",
    # The playbook's first pip line (its own pins kept: datasets 4.3.0, trl 0.26.1).
    "unsloth_pip": ["transformers==4.57.3", "peft==0.18.0", "hf_transfer==0.1.9", "datasets==4.3.0", "trl==0.26.1"],
    # Its `pip install --no-deps` line, pinned (see above).
    "unsloth_no_deps": ["unsloth==2025.12.5", "unsloth_zoo==2025.12.4", "bitsandbytes==0.48.2"],
}


@deploy("Unsloth environment", data_defaults=DEFAULTS)
def unsloth():
    data = host.data
    tag = derived_image("unsloth", data.unsloth_base_image, data.unsloth_pip, no_deps=data.unsloth_no_deps,
                        pip_args=knob("base_pip_args"), buildkit=knob("docker_buildkit"))
    env_command("unsloth", title="Unsloth", image=tag, docker_args=knob("finetune_docker_args"), env=hub_env())
    scripts_copied("Unsloth", lab_dir("unsloth"), f"{home()}/unsloth", data.lab_user, knob("playbooks_commit"))
