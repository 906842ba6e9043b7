"""The lab user: same name on every node (NVIDIA requires it for multi-node), sudo, authorized keys."""

from pathlib import Path

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.api.exceptions import DeployError
from pyinfra.operations import server

DEFAULTS = {
    # Public key lines allowed to log in as the lab user.
    "users_authorized_keys": [],
    # Public key files on the operator's machine, read at deploy time (e.g. "~/.ssh/id_ed25519.pub").
    "users_authorized_key_files": [],
    "users_shell": "/bin/bash",
    # Secondary groups of the lab user (the docker role adds "docker" itself).
    "users_groups": ["sudo"],
}


def authorized_keys() -> list[str]:
    """Inline keys plus the contents of the key files, in order, without duplicates."""
    keys = list(host.data.users_authorized_keys)
    for name in host.data.users_authorized_key_files:
        path = Path(name).expanduser()
        if not path.is_file():
            raise DeployError(f"{host.name}: users_authorized_key_files: {path} does not exist")
        keys += [line.strip() for line in path.read_text().splitlines() if line.strip()]
    return list(dict.fromkeys(keys))


def home() -> str:
    return f"/home/{host.data.lab_user}"


@deploy("Lab user", data_defaults=DEFAULTS)
def users():
    server.user(
        name=f"Lab user {host.data.lab_user}",
        user=host.data.lab_user,
        home=home(),
        shell=host.data.users_shell,
        groups=host.data.users_groups,
        append=True,
        public_keys=authorized_keys() or None,
        create_home=True,
    )
