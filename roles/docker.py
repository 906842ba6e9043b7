"""Docker engine: Docker CE from Docker's repo (or Debian's docker.io), daemon.json merged, lab user in `docker`.

DGX OS ships Docker already: when dockerd exists and did not come from our source, the packages
are left alone (adding Docker's repo beside the vendor's breaks `apt update`).
"""

from pyinfra import host, logger
from pyinfra.api import deploy
from pyinfra.facts.deb import DebArch
from pyinfra.facts.files import File
from pyinfra.facts.server import LinuxDistribution, Which
from pyinfra.operations import apt

from sparklab.apt_repo import vendor_repo
from sparklab.facts import os_codename, static_fact
from sparklab.operations import docker_daemon_options, user_in_groups
from sparklab.systemd import service_state

SOURCE_FILE = "/etc/apt/sources.list.d/docker.sources"

DEFAULTS = {
    # "docker-ce": Docker's apt repo (what Docker documents for Ubuntu 24.04, the DGX OS base);
    # "debian": the distribution's docker.io (what the simulated lab uses).
    "docker_source": "docker-ce",
    "docker_apt_url": "https://download.docker.com/linux/ubuntu",
    "docker_apt_key_url": "https://download.docker.com/linux/ubuntu/gpg",
    "docker_keyring": "/etc/apt/keyrings/docker.asc",
    # Pinned docker-ce / docker-ce-cli version (Docker's Ubuntu 24.04 version string).
    "docker_ce_version": "5:28.5.1-1~ubuntu.24.04~noble",
    "docker_ce_packages": ["docker-ce", "docker-ce-cli", "containerd.io", "docker-buildx-plugin",
                           "docker-compose-plugin"],
    "docker_debian_packages": ["docker.io"],
    # Merged into /etc/docker/daemon.json (mirrors, insecure-registries, log options …).
    "docker_daemon_options": {},
    # Build images with BuildKit (the txt2kg Dockerfile's cache mounts need it); False: the classic builder
    # (DOCKER_BUILDKIT=0), for a daemon whose BuildKit cannot reach an HTTP registry (the simulated lab's).
    "docker_buildkit": True,
    # Image the checkpoint runs as the lab user (and with --gpus all on GPU hosts): the playbooks' CUDA image.
    "docker_check_image": "nvcr.io/nvidia/cuda:13.0.1-runtime-ubuntu24.04",
}


def _install_docker_ce(data) -> None:
    arch = static_fact(DebArch)
    if not vendor_repo("Docker CE", key_url=data.docker_apt_key_url, keyring=data.docker_keyring,
                       uri=data.docker_apt_url, suite=os_codename(static_fact(LinuxDistribution)),
                       components=["stable"], filename="docker", architectures=[arch]):
        return
    pinned = {"docker-ce", "docker-ce-cli"}
    apt.packages(
        name="Docker CE packages",
        packages=[f"{p}={data.docker_ce_version}" if p in pinned else p for p in data.docker_ce_packages],
        allow_downgrades=True,
    )


@deploy("Docker", data_defaults=DEFAULTS)
def docker():
    data = host.data
    foreign = host.get_fact(Which, command="dockerd") and not host.get_fact(File, path=SOURCE_FILE)
    if foreign and data.docker_source == "docker-ce":
        logger.info(f"[{host.name}] Docker: already installed from another source (DGX OS?); packages left alone")
    elif data.docker_source == "docker-ce":
        _install_docker_ce(data)
    else:
        apt.packages(name="Debian docker.io packages", packages=data.docker_debian_packages)
    options = docker_daemon_options(name="daemon.json options", options=data.docker_daemon_options)
    service_state("docker", name="Docker running", running=True, enabled=True, restart_when=[options])
    user_in_groups(name=f"{data.lab_user} in the docker group", user=data.lab_user, groups=["docker"])
