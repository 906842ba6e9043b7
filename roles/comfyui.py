"""Lab 5A-1, ComfyUI (levels-3-5.md §5A-1, dgx-spark-playbooks.md §4.3): the playbook's host install, a venv with
PyTorch's CUDA 13.0 wheels, ComfyUI's requirements and the Stable Diffusion 1.5 checkpoint, as the on-demand unit
`lab-comfyui` of the lab user.

Better than the playbook:
- ComfyUI at a **pinned commit** (the playbook clones whatever is on master): 4ffea0e8, the commit NVIDIA's own
  FLUX playbook builds (its Dockerfile.inference, 2025-10-02), so both image-generation labs run the same ComfyUI;
- torch, torchvision and torchaudio **pinned** (the playbook installs torch and torchvision unpinned, then
  requirements.txt pulls an unpinned torchaudio from PyPI) and named again with requirements.txt, so that its
  unpinned torch lines can never replace the cu130 builds;
- requirements installed only when a pin changes, the checkpoint downloaded resumably and verified by sha256;
- ComfyUI has no login, so it listens on `stacks_bind_address` (loopback; reached through `ssh -L`, as the level-3
  UIs are), not on 0.0.0.0 as the playbook's `--listen 0.0.0.0` does.
Its checkout and venv belong to the lab user: ComfyUI writes its outputs, user settings and custom nodes beside its
code, and a student can pip-install a custom node's requirements into the venv.
"""

from pyinfra import host
from pyinfra.api import QuoteString, StringCommand, deploy
from pyinfra.operations import apt, files

from roles import knob
from sparklab import track_labs
from sparklab.builds import when_changed
from sparklab.operations import file_downloaded, git_checkout
from sparklab.owned_units import stale_units, unit_owning, units_absent
from sparklab.rag_labs import unit

DEFAULTS = {
    # Started at boot (light: SD1.5 needs ~8 GB); False: on demand (python -m sparklab.labs start comfyui).
    "comfyui_boot": False,
    "comfyui_port": 8188,
    "comfyui_repo_url": "https://github.com/comfyanonymous/ComfyUI.git",
    # The commit the FLUX playbook's Dockerfile.inference checks out (2025-10-02).
    "comfyui_commit": "4ffea0e864275301329ddb5ecc3fbc7211d7a802",
    # The lab user's: ComfyUI writes output/, user/ and custom_nodes/ beside its code.
    "comfyui_dir": "/opt/ComfyUI",
    # The playbook's comfyui-env, the lab user's too.
    "comfyui_venv": "/opt/comfyui-env",
    # The playbook's index (PyTorch's CUDA 13.0 wheels); "" or None: no --index-url (the wheels then come from
    # wherever comfyui_pip_args say).
    "comfyui_torch_index": "https://download.pytorch.org/whl/cu130",
    # The release current at the playbook's stamp (11/10/2025): torch 2.9.0 (2025-10-15) and the torchvision and
    # torchaudio that pin it; torchaudio because ComfyUI's requirements.txt asks for it unpinned.
    "comfyui_torch_packages": ["torch==2.9.0", "torchvision==0.24.0", "torchaudio==2.9.0"],
    # pip options of both installs; None: base_pip_args.
    "comfyui_pip_args": None,
    # The playbook's checkpoint, and its sha256 as Hugging Face lists it (Git LFS details of the file, uploaded
    # 2024-08-29, the file's only version).
    "comfyui_checkpoint_url": "https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/"
                              "v1-5-pruned-emaonly-fp16.safetensors",
    "comfyui_checkpoint_sha256": "e9476a13728cd75d8279f6ec8bad753a66a1957ca375a1464dc63b37db6e3916",
    # More arguments of main.py (e.g. ["--cpu"] on a host without a GPU).
    "comfyui_args": [],
}


def _pip(data, user: str) -> StringCommand:
    """The venv's pip as the lab user, with comfyui_pip_args (base_pip_args by default)."""
    own = data.comfyui_pip_args
    args = [QuoteString(a) for a in (knob("base_pip_args") if own is None else own)]
    return StringCommand("sudo -u", QuoteString(user), "-H", QuoteString(f"{data.comfyui_venv}/bin/pip"),
                         "install", "-q", *args)


def _installed(data, user: str):
    """The venv, torch from its index, then requirements.txt with the torch pins named again: only when the commit
    or a torch pin changes. The operation, or None."""
    venv, torch = data.comfyui_venv, [QuoteString(p) for p in data.comfyui_torch_packages]
    index = [] if not data.comfyui_torch_index else ["--index-url", QuoteString(data.comfyui_torch_index)]
    pip = _pip(data, user)
    pins = " ".join([data.comfyui_commit, data.comfyui_torch_index or "", *data.comfyui_torch_packages])
    return when_changed("ComfyUI venv", f"{venv}/.spark-lab-installed", pins, [
        StringCommand("test -x", QuoteString(f"{venv}/bin/pip"), "|| sudo -u", QuoteString(user), "-H python3 -m venv",
                      QuoteString(venv)),
        StringCommand(pip, *index, *torch),
        StringCommand("cd", QuoteString(data.comfyui_dir), "&&", pip, "-r requirements.txt", *torch),
    ])


@deploy("ComfyUI", data_defaults=DEFAULTS)
def comfyui():
    data = host.data
    name = unit(track_labs.COMFYUI)
    if not track_labs.chosen(knob, track_labs.COMFYUI):  # its checkout, venv and checkpoint are kept
        units_absent(stale_units(name, []))
        return
    user, source = data.lab_user, data.comfyui_dir
    apt.packages(name="ComfyUI host packages", packages=["git", "python3-venv"])
    checkout = git_checkout(name=f"ComfyUI at {data.comfyui_commit[:12]}", src=data.comfyui_repo_url, dest=source,
                            commit=data.comfyui_commit, user=user)
    files.directory(name="ComfyUI venv directory", path=data.comfyui_venv, user=user, group=user, mode="755")
    installed = _installed(data, user)
    checkpoint = data.comfyui_checkpoint_url.rsplit("/", 1)[-1]
    file_downloaded(name=f"ComfyUI checkpoint {checkpoint}", url=data.comfyui_checkpoint_url,
                    dest=f"{source}/models/checkpoints/{checkpoint}", sha256=data.comfyui_checkpoint_sha256)
    unit_owning(
        name, description=f"ComfyUI on port {data.comfyui_port} (spark-lab)", kind="native", boot=data.comfyui_boot,
        service_user=user, working_directory=source,
        exec_start=[f"{data.comfyui_venv}/bin/python", "main.py", "--listen", knob("stacks_bind_address"),
                    "--port", str(data.comfyui_port), *data.comfyui_args],
        restart_when=[checkout, *([installed] if installed else [])])
