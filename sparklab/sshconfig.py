"""An OpenSSH client config derived from the inventory, so testinfra and plain `ssh` reach the
hosts with the settings pyinfra uses (one host list: the inventory)."""

from __future__ import annotations

import getpass
from pathlib import Path

from sparklab.inventory import Lab


def ssh_config_text(lab: Lab, control_dir: Path) -> str:
    blocks = []
    for host in lab.hosts:
        ssh = host.ssh
        lines = [
            f"Host {host.name}",
            f"    HostName {ssh['ssh_hostname']}",
            f"    User {ssh.get('ssh_user') or getpass.getuser()}",
            f"    Port {ssh.get('ssh_port', 22)}",
            "    BatchMode yes",
            "    ControlMaster auto",
            f"    ControlPath {control_dir}/%C",
            "    ControlPersist 120",
        ]
        if ssh.get("ssh_key"):
            lines.append(f"    IdentityFile {Path(ssh['ssh_key']).expanduser()}")
            lines.append("    IdentitiesOnly yes")
        if ssh.get("ssh_known_hosts_file"):
            lines.append(f"    UserKnownHostsFile {Path(ssh['ssh_known_hosts_file']).expanduser()}")
        if ssh.get("ssh_strict_host_key_checking"):
            lines.append(f"    StrictHostKeyChecking {ssh['ssh_strict_host_key_checking']}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def ssh_argv(settings: dict, user: str, *options: str) -> list[str]:
    """`ssh` argv reaching a host with pyinfra's ssh_* settings, as ``user``, no prompts."""
    argv = ["ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
            "-o", f"StrictHostKeyChecking={settings.get('ssh_strict_host_key_checking') or 'accept-new'}",
            "-p", str(settings.get("ssh_port") or 22)]
    if settings.get("ssh_known_hosts_file"):
        argv += ["-o", f"UserKnownHostsFile={Path(settings['ssh_known_hosts_file']).expanduser()}"]
    return [*argv, *options, f"{user}@{settings['ssh_hostname']}"]
