"""Tailscale: Tailscale's apt repo, tailscaled running, `tailscale up` only when needed.

`up` reruns only when the node is not running or its arguments changed (a hash of the arguments,
never of the key, is kept on the host: artis3n's approach). The auth key is read by tailscale from
a 0600 file, so it is in no command line. No key: installed, not joined, and said so.
"""

import hashlib
import json
from io import StringIO

from pyinfra import host
from pyinfra.api import QuoteString, StringCommand, deploy
from pyinfra.facts.server import LinuxDistribution
from pyinfra.operations import apt, files, server, systemd

from sparklab import host_secrets
from sparklab.apt_repo import vendor_repo
from sparklab.facts import TailscaleBackendState, os_codename, static_fact

STATE_FILE = "/var/lib/spark-lab/tailscale-up.sha256"

DEFAULTS = {
    "tailscale_apt_url": "https://pkgs.tailscale.com/stable/ubuntu",
    # {codename}: the OS codename (noble on DGX OS 7).
    "tailscale_apt_key_url": "https://pkgs.tailscale.com/stable/ubuntu/{codename}.noarmor.gpg",
    "tailscale_keyring": "/usr/share/keyrings/tailscale-archive-keyring.gpg",
    "tailscale_version": "1.90.9",
    # Node name in the tailnet (default: the inventory host name) and ACL tags ("tag:lab").
    "tailscale_hostname": None,
    "tailscale_tags": [],
    # More `tailscale up` flags, e.g. ["--ssh"].
    "tailscale_extra_args": [],
}


def up_arguments(data) -> list[str]:
    args = [f"--hostname={data.tailscale_hostname or host.name}"]
    if data.tailscale_tags:
        args.append("--advertise-tags=" + ",".join(data.tailscale_tags))
    return args + list(data.tailscale_extra_args)


@deploy("Tailscale", data_defaults=DEFAULTS)
def tailscale():
    data = host.data
    codename = os_codename(static_fact(LinuxDistribution))
    vendor_repo("Tailscale", key_url=data.tailscale_apt_key_url.format(codename=codename),
                keyring=data.tailscale_keyring, uri=data.tailscale_apt_url, suite=codename,
                components=["main"], filename="tailscale")
    apt.packages(name="tailscale package", packages=[f"tailscale={data.tailscale_version}"], allow_downgrades=True)
    systemd.service(name="tailscaled running", service="tailscaled", running=True, enabled=True)

    key = host_secrets.read("tailscale_auth_key", "Tailscale join")
    if key is None:
        return
    args = up_arguments(data)
    key_op = host_secrets.put("tailscale_auth_key", key)
    digest = hashlib.sha256(json.dumps(args).encode()).hexdigest()
    state = files.put(name="tailscale up arguments (hash)", src=StringIO(digest + "\n"), dest=STATE_FILE,
                      mode="600", create_remote_dir=True)
    running = host.get_fact(TailscaleBackendState) == "Running"
    server.shell(
        name="tailscale up",
        commands=[StringCommand(
            "tailscale up --reset", f"--auth-key=file:{host_secrets.SECRETS_DIR}/tailscale_auth_key",
            *[QuoteString(a) for a in args],
        )],
        _if=lambda: state.did_change() or key_op.did_change() or not running,
    )
