"""NVIDIA Container Toolkit: NVIDIA's repo, pinned packages, the nvidia runtime in Docker.

Only on hosts with an NVIDIA GPU unless data says otherwise (the simulated lab rehearses the
toolkit with a stand-in package on GPU-less hosts).
"""

from pyinfra import host, logger
from pyinfra.api import deploy
from pyinfra.facts.deb import DebArch
from pyinfra.operations import apt, systemd

from sparklab.apt_repo import vendor_repo
from sparklab.facts import NvidiaGpus, static_fact
from sparklab.operations import nvidia_runtime_configured

DEFAULTS = {
    # "gpu": only where nvidia-smi lists a GPU; "always": also on GPU-less hosts (lab rehearsal).
    "nvidia_ctk_when": "gpu",
    "nvidia_ctk_version": "1.18.1-1",
    "nvidia_ctk_packages": ["nvidia-container-toolkit", "nvidia-container-toolkit-base",
                            "libnvidia-container-tools", "libnvidia-container1"],
    # NVIDIA's flat repo, one per architecture ({arch} = dpkg architecture).
    "nvidia_ctk_apt_url": "https://nvidia.github.io/libnvidia-container/stable/deb/{arch}",
    "nvidia_ctk_apt_key_url": "https://nvidia.github.io/libnvidia-container/gpgkey",
    "nvidia_ctk_keyring": "/usr/share/keyrings/nvidia-container-toolkit-keyring.asc",
    # Make nvidia Docker's default runtime (the multi-node PyTorch playbook does).
    "nvidia_ctk_default_runtime": False,
}


def applies() -> bool:
    return host.data.nvidia_ctk_when == "always" or bool(static_fact(NvidiaGpus))


@deploy("NVIDIA Container Toolkit", data_defaults=DEFAULTS)
def nvidia_container_toolkit():
    data = host.data
    if not applies():
        logger.info(f"[{host.name}] NVIDIA Container Toolkit: not applicable (no NVIDIA GPU)")
        return
    arch = static_fact(DebArch)
    vendor_repo("NVIDIA Container Toolkit", key_url=data.nvidia_ctk_apt_key_url, keyring=data.nvidia_ctk_keyring,
                uri=data.nvidia_ctk_apt_url.format(arch=arch), suite="/", components=[],
                filename="nvidia-container-toolkit")
    apt.packages(name="Toolkit packages", allow_downgrades=True,
                 packages=[f"{p}={data.nvidia_ctk_version}" for p in data.nvidia_ctk_packages])
    runtime = nvidia_runtime_configured(name="nvidia runtime in daemon.json",
                                        set_default=data.nvidia_ctk_default_runtime)
    systemd.service(name="Restart Docker for the nvidia runtime", service="docker", running=True,
                    restarted=True, _if=runtime.did_change)
