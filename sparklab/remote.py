"""An inventory host reached over SSH with the inventory's settings, for the lab's command-line tools
(`python -m sparklab.labs`, `python -m sparklab.finetune`): commands run as root (``sudo -n`` for another SSH
user), optionally as another user, with bytes on stdin."""

from __future__ import annotations

import subprocess
from shlex import quote

from sparklab.sshconfig import ssh_argv
from sparklab.toolcli import UsageError


class Remote:
    def __init__(self, data: dict):
        self.name, self.ssh = data["name"], data["ssh"]
        self.user = self.ssh.get("ssh_user") or "root"

    @property
    def target(self) -> str:
        return f"{self.user}@{self.ssh['ssh_hostname']}"

    def argv(self, command: str, as_user: str | None = None) -> list[str]:
        """`ssh` argv running ``command`` in ``sh`` on this host, as root or as ``as_user``."""
        sudo = f"sudo -n -u {quote(as_user)} -H " if as_user else "sudo -n " if self.user != "root" else ""
        return [*ssh_argv(self.ssh, self.user, *(["-i", self.ssh["ssh_key"]] if self.ssh.get("ssh_key") else [])),
                f"{sudo}sh -c {quote(command)}"]

    def run_bytes(self, command: str, *, timeout: float = 120, stdin: bytes | None = None,
                  as_user: str | None = None) -> tuple[int, bytes, str]:
        """(exit status, stdout, stderr) of ``command``; UsageError when SSH itself fails."""
        done = subprocess.run(self.argv(command, as_user), input=stdin if stdin is not None else b"",
                              capture_output=True, timeout=timeout, check=False)
        stderr = done.stderr.decode(errors="replace")
        if done.returncode == 255:
            raise UsageError(f"{self.name}: ssh failed: {stderr.strip()}")
        return done.returncode, done.stdout, stderr

    def run(self, command: str, timeout: float = 120) -> tuple[int, str]:
        """(exit status, stdout and stderr) of ``command``."""
        status, out, err = self.run_bytes(command, timeout=timeout)
        return status, out.decode(errors="replace") + err


def only(hosts: list, names: list[str] | None, inventory: str) -> list:
    """The hosts named by a tool's ``--host`` options (all when none); UsageError for a name not in the inventory."""
    if not names:
        return hosts
    unknown = sorted(set(names) - {h.name for h in hosts})
    if unknown:
        raise UsageError(f"no host {unknown[0]} in {inventory}")
    return [h for h in hosts if h.name in names]
