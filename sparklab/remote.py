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

    def run_bytes(self, command: str, *, timeout: float = 120, stdin: bytes | None = None,
                  as_user: str | None = None) -> tuple[int, bytes, str]:
        """(exit status, stdout, stderr) of ``command`` in ``sh``; UsageError when SSH itself fails."""
        shell = f"sh -c {quote(command)}"
        if as_user:
            shell = f"sudo -u {quote(as_user)} -H {shell}"
        elif self.user != "root":
            shell = f"sudo -n {shell}"
        argv = [*ssh_argv(self.ssh, self.user, *(["-i", self.ssh["ssh_key"]] if self.ssh.get("ssh_key") else [])),
                ("sudo -n " if as_user and self.user != "root" else "") + shell]
        done = subprocess.run(argv, input=stdin if stdin is not None else b"", capture_output=True, timeout=timeout,
                              check=False)
        stderr = done.stderr.decode(errors="replace")
        if done.returncode == 255:
            raise UsageError(f"{self.name}: ssh failed: {stderr.strip()}")
        return done.returncode, done.stdout, stderr

    def run(self, command: str, timeout: float = 120) -> tuple[int, str]:
        """(exit status, stdout and stderr) of ``command``."""
        status, out, err = self.run_bytes(command, timeout=timeout)
        return status, out.decode(errors="replace") + err
