"""Lab 5B-1, TensorRT text-to-image ("Multi-modal Inference", levels-3-5.md §5B-1): TensorRT's FLUX.1 demo as an
environment, no service. The playbook's container (`nvcr.io/nvidia/pytorch:25.11-py3`) with its setup done once
into a local image: the playbook's apt packages, NVIDIA/TensorRT cloned at a **pinned** commit (the playbook clones
main), nvidia-modelopt[torch,onnx] and demo/Diffusion's requirements **pinned**. `spark-lab-tensorrt-t2i PROMPT
[FLAGS…]` runs demo_txt2img_flux.py in it with the playbook's GPU flags and the lab user's Hugging Face cache.

The pins:
- TensorRT v10.14 (3b4ddc1d, 2025-11-07): demo/Diffusion on main did not change between it and v10.15
  (2026-02-03), so it is the demo the playbook ran when it was last updated (12/22/2025).
- Its requirements.txt, where a line is unpinned, pinned to the release current on 2025-12-22 (flux: its main,
  unchanged since 2025-07-31), less its nvidia-modelopt line, which the playbook deletes with sed to install
  nvidia-modelopt[torch,onnx] first (0.40.0 on that date); onnxconverter_common after, as the playbook does.

The FLUX.1-dev weights and ONNX models are gated: the lab needs `secrets.hf_token` from an account that accepted
the licences of black-forest-labs/FLUX.1-dev and black-forest-labs/FLUX.1-dev-onnx; without it the lab is
skipped. The token reaches the container as HF_TOKEN from a 0600 env file of the lab user (the playbook puts it
on the command line, `--hf-token=$HF_TOKEN`): at that commit the demo's --hf-token defaults to None and every Hub
call passes `token=None`, so huggingface_hub reads HF_TOKEN from the environment.

Memory: FLUX wants ≥ 48 GB (the playbook: "at least 48GB VRAM"), a heavy job. The command refuses to
start while a heavy workload of the plan runs (vLLM at boot, the chatbot, VSS…) or less memory is free, and
says what to stop, rather than stopping them itself: a student's command should not take the class's boot
engine down behind the instructor's back, and `python -m sparklab.labs`, which brings it back, runs on the
instructor's machine. Not a unit: the demo is interactive, one prompt per run.

Absent when not chosen: the command and the token file go; the image (tens of GB) stays for a later class.
"""

import posixpath
from collections.abc import Callable
from shlex import quote
from typing import Any

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.operations import files

from roles import knob
from roles.users import home
from sparklab import host_secrets, hub
from sparklab.derived_images import dockerfile_image
from sparklab.facts import NvidiaGpus, static_fact
from sparklab.finetune_envs import BIN_DIR, command_name
from sparklab.owned_units import MANAGED_MARK
from sparklab.templates import block_syntax
from sparklab.track_labs import TENSORRT_T2I, chosen
from sparklab.workload_plan import heavy_units

DEFAULTS = {
    "tensorrt_t2i_base_image": "nvcr.io/nvidia/pytorch:25.11-py3",
    "tensorrt_t2i_repo_url": "https://github.com/NVIDIA/TensorRT.git",
    # Tag v10.14 (see above).
    "tensorrt_t2i_commit": "3b4ddc1d45f11167f2ea53dc6046bba8df800e2d",
    # The playbook's `apt install` line.
    "tensorrt_t2i_apt_packages": ["libgl1", "libglu1-mesa", "libglib2.0-0t64", "libxrender1", "libxext6", "libx11-6",
                                  "libxrandr2", "libxss1", "libxcomposite1", "libxdamage1", "libxfixes3", "libxcb1"],
    # The playbook's first pip line, pinned.
    "tensorrt_t2i_modelopt": "nvidia-modelopt[torch,onnx]==0.40.0",
    # demo/Diffusion/requirements.txt at the commit, every line pinned, less its nvidia-modelopt line.
    "tensorrt_t2i_requirements": [
        "apex==0.9.10dev", "accelerate==1.2.1", "colored==2.3.1", "controlnet_aux==0.0.6", "cuda-python==13.1.1",
        "git+https://github.com/huggingface/diffusers.git@7298bdd8177c16eadb74f6166327f5984fd8c69d",
        "git+https://github.com/black-forest-labs/flux.git@802fb4713906133fcbd0d8dc5351620ca4773036",
        "ftfy==6.3.1", "matplotlib==3.10.8", "nvtx==0.2.14", "onnx==1.18.0", "onnxscript==0.3.2",
        "opencv-python-headless==4.8.0.74", "scipy==1.16.3", "transformers==4.52.4", "onnx-graphsurgeon==0.5.2",
        "peft==0.17.0", "polygraphy==0.49.22", "sentencepiece==0.2.1", "numpy==1.26.4", "imageio-ffmpeg==0.6.0"],
    # The requirements file's own index (its --extra-index-url line); None: none.
    "tensorrt_t2i_extra_index_url": "https://pypi.nvidia.com",
    # Installed after the requirements, as the playbook does.
    "tensorrt_t2i_after": ["onnxconverter_common==1.16.0"],
    # The playbook's container flags.
    "tensorrt_t2i_docker_args": ["--gpus", "all", "--ipc=host", "--ulimit", "memlock=-1", "--ulimit",
                                 "stack=67108864"],
    # Memory the command wants free before it starts (the playbook: "at least 48GB VRAM").
    "tensorrt_t2i_min_free_gb": 48,
}
NAME = "tensorrt-t2i"
TRT_OSSPATH = "/opt/TensorRT"
DEMO = f"{TRT_OSSPATH}/demo/Diffusion/demo_txt2img_flux.py"
LICENCES = ("black-forest-labs/FLUX.1-dev", "black-forest-labs/FLUX.1-dev-onnx")


def dockerfile(setting: Callable[[str], Any] = knob) -> str:
    """The playbook's steps inside its container, pinned, as one Dockerfile (its digest is the image's tag:
    `dockerfile_tag(NAME, dockerfile(setting))` from inventory data names the image a host should have)."""
    pip = " ".join(quote(a) for a in ["pip", "install", "--no-cache-dir", *setting("base_pip_args")])
    index = setting("tensorrt_t2i_extra_index_url")
    extra = f" --extra-index-url {quote(index)}" if index else ""
    commit, url = setting("tensorrt_t2i_commit"), setting("tensorrt_t2i_repo_url")
    return "\n".join([
        f"FROM {setting('tensorrt_t2i_base_image')}",
        "RUN apt-get update && apt-get install -y --no-install-recommends "
        f"{' '.join(setting('tensorrt_t2i_apt_packages'))} && rm -rf /var/lib/apt/lists/*",
        f"RUN git init -q {TRT_OSSPATH} && git -C {TRT_OSSPATH} fetch -q --depth 1 {quote(url)} {commit} "
        f"&& git -C {TRT_OSSPATH} checkout -q FETCH_HEAD",
        f"ENV TRT_OSSPATH={TRT_OSSPATH}",
        f"RUN {pip} {quote(setting('tensorrt_t2i_modelopt'))}",
        f"RUN {pip}{extra} {' '.join(quote(r) for r in setting('tensorrt_t2i_requirements'))}",
        f"RUN {pip} {' '.join(quote(r) for r in setting('tensorrt_t2i_after'))}",
    ]) + "\n"


def env_file() -> str:
    """The lab user's 0600 file with HF_TOKEN (the docker CLI reads --env-file as the user who runs it)."""
    return f"{home()}/.config/spark-lab/{NAME}.env"


def _skip_reason() -> str | None:
    if not static_fact(NvidiaGpus):
        return "needs an NVIDIA GPU (TensorRT builds its engines on it)"
    why = host_secrets.missing("hf_token")
    if why:
        return (f"needs secrets.hf_token ({why}) from an account that accepted the licences of "
                f"{' and '.join(LICENCES)} on huggingface.co")
    return None


@deploy("TensorRT text-to-image", data_defaults=DEFAULTS)
def tensorrt_t2i():
    data = host.data
    command = f"{BIN_DIR}/{command_name(NAME)}"
    if not chosen(knob, TENSORRT_T2I):
        files.file(name=f"{command_name(NAME)} removed", path=command, present=False)
        files.file(name="TensorRT text-to-image token file removed", path=env_file(), present=False)
        return
    why = _skip_reason()
    if why:
        host_secrets.skipped("TensorRT text-to-image", why)
        return
    user = data.lab_user
    # ~/.config made as the lab user's: a root-owned one would break the desktop's and other tools' settings.
    files.directory(name="~/.config", path=f"{home()}/.config", user=user, group=user)
    files.directory(name="~/.config/spark-lab", path=posixpath.dirname(env_file()), user=user, group=user,
                    mode="700")
    host_secrets.put(NAME, f"HF_TOKEN={host_secrets.read('hf_token', 'TensorRT text-to-image')}", dest=env_file(),
                     user=user)
    image = dockerfile_image(NAME, dockerfile(), buildkit=knob("docker_buildkit"))
    files.template(
        name=f"{command_name(NAME)} command", src="templates/tensorrt_t2i/spark-lab-tensorrt-t2i.sh.j2",
        dest=command, mode="755", mark=MANAGED_MARK, command=command_name(NAME), image=image,
        commit=data.tensorrt_t2i_commit, demo=DEMO, env_file=env_file(), lab_user=user,
        docker_args=[quote(a) for a in data.tensorrt_t2i_docker_args],
        env=sorted((k, quote(v)) for k, v in hub.hub_env(knob).items()), heavy_units=heavy_units(knob),
        min_free_gb=data.tensorrt_t2i_min_free_gb, drop_caches=knob("base_drop_caches_command"),
        jinja_env_kwargs=block_syntax())
