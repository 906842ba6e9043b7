"""Docker Compose v2 (`docker compose`), which the level-3 to 5 labs are started with.

Docker CE (the DGX OS way) ships it as `docker-compose-plugin`, already among `docker_ce_packages`. Debian
bookworm's docker.io has no Compose v2; trixie's `docker-compose` package is the v2 CLI plugin and installs
on bookworm (it needs only libc6 >= 2.34), so with `docker_source: debian` it comes, pinned, from the apt
repository that `compose_apt_url` names (the simulated lab's mirror serves Debian's own .deb).
"""

from pyinfra import host, logger
from pyinfra.api import deploy
from pyinfra.operations import apt

from roles import knob
from sparklab.apt_repo import vendor_repo

DEFAULTS = {
    # With docker_source "debian": an apt repository holding Debian trixie's docker-compose (None: none, and
    # the labs that need Compose fail with a clear message from `docker compose`).
    "compose_apt_url": None,
    "compose_apt_key_url": None,
    "compose_apt_suite": "bookworm",
    "compose_keyring": "/etc/apt/keyrings/spark-lab-compose.asc",
    "compose_debian_version": "2.26.1-4",
    # Where the lab stacks publish their ports. The playbooks publish every port on all addresses, with
    # ArangoDB without auth and Postgres/Neo4j with default passwords; here they stay on the Spark's
    # loopback and a laptop reaches the UIs through `ssh -L` (python -m sparklab.labs prints the line).
    "stacks_bind_address": "127.0.0.1",
    # Keep the compose files' GPU reservations (False: reset them, for hosts without an NVIDIA GPU).
    "stacks_gpus": True,
}


@deploy("Docker Compose", data_defaults=DEFAULTS)
def compose():
    data = host.data
    if knob("docker_source") == "docker-ce":
        return  # docker-compose-plugin comes with Docker CE (roles.docker)
    if not data.compose_apt_url:
        logger.warning(f"[{host.name}] Docker Compose: skipped (docker_source debian and no compose_apt_url)")
        return
    if vendor_repo("Docker Compose", key_url=data.compose_apt_key_url, keyring=data.compose_keyring,
                   uri=data.compose_apt_url, suite=data.compose_apt_suite, components=["main"],
                   filename="spark-lab-compose"):
        apt.packages(name="Debian's docker-compose (Compose v2 CLI plugin)",
                     packages=[f"docker-compose={data.compose_debian_version}"])
