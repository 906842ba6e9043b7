"""SSH mesh: the lab user of every node reaches every node by QSFP address or name, no password, no prompt.

One shared key pair (as NVIDIA's discover-sparks makes), generated once on the operator's machine
outside the repo, installed for the lab user on every node and authorized everywhere; peers' host
keys go into known_hosts under all their names; an ~/.ssh/config block points at the shared key.
"""

import subprocess
from io import StringIO
from pathlib import Path

from pyinfra import host, logger
from pyinfra.api import deploy
from pyinfra.operations import files

from roles.users import home
from sparklab.operations import peer_host_keys, secret_file
from sparklab.peers import nodes
from sparklab.templates import render

DEFAULTS = {
    # Where the operator's machine keeps the shared key pair (never in the repo).
    "ssh_mesh_key_dir": "~/.local/share/spark-lab/mesh",
    "ssh_mesh_key_name": "id_ed25519_shared",
}
MARKER = "# {mark} spark-lab mesh"


def shared_key() -> tuple[str, str]:
    """(private, public) key text, generating the pair on first use."""
    path = Path(host.data.ssh_mesh_key_dir).expanduser() / host.data.ssh_mesh_key_name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "spark-lab-mesh", "-f", str(path)],
                       check=True)
    return path.read_text(), path.with_suffix(".pub").read_text().strip()


@deploy("SSH mesh", data_defaults=DEFAULTS)
def ssh_mesh():
    peers = nodes()
    if not peers:
        logger.info(f"[{host.name}] SSH mesh: not applicable (no QSFP links in the inventory)")
        return
    user, ssh_dir = host.data.lab_user, f"{home()}/.ssh"
    name = host.data.ssh_mesh_key_name
    private, public = shared_key()
    files.directory(name="~/.ssh", path=ssh_dir, user=user, group=user, mode="700")
    # A private key: written like a secret, so --diff never prints it.
    secret_file(name="Shared private key", dest=f"{ssh_dir}/{name}", value=private.rstrip("\n"), user=user)
    files.put(name="Shared public key", src=StringIO(public + "\n"), dest=f"{ssh_dir}/{name}.pub", user=user,
              group=user, mode="644")
    files.line(name="Shared key authorized", path=f"{ssh_dir}/authorized_keys", line=public, ensure_newline=True)
    files.file(name="authorized_keys owned by the lab user", path=f"{ssh_dir}/authorized_keys", user=user,
               group=user, mode="600")
    peer_host_keys(name="Peers' host keys in known_hosts", known_hosts=f"{ssh_dir}/known_hosts", owner=user,
                   peers=[(names, address) for node in peers for address, names in node.entries()])
    files.block(name="~/.ssh/config block for the peers", path=f"{ssh_dir}/config", marker=MARKER,
                content=render("mesh/ssh_config.j2", nodes=peers, user=user, key=f"{ssh_dir}/{name}").rstrip("\n"))
    files.file(name="~/.ssh/config owned by the lab user", path=f"{ssh_dir}/config", user=user, group=user,
               mode="600")
