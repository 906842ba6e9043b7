"""sshd hardened without locking the operator out.

Root may log in only with a key; TCP forwarding stays on (dashboard and Jupyter tunnels, VS Code
Remote-SSH). Password login is switched off only once this run has proven, from the operator's
machine, that the lab user logs in with a key.
"""

import hashlib
import subprocess
from pathlib import Path

from pyinfra import host, logger
from pyinfra.api import deploy
from pyinfra.facts.files import Sha1File
from pyinfra.operations import files, server, systemd
from pyinfra.operations.util import any_changed

from roles import knob
from sparklab.sshconfig import ssh_argv
from sparklab.templates import render

# Early in sshd_config.d: the first value sshd reads wins (cloud-init writes 50-cloud-init.conf).
HARDENING = "/etc/ssh/sshd_config.d/10-spark-lab.conf"
NO_PASSWORDS = "/etc/ssh/sshd_config.d/11-spark-lab-no-passwords.conf"
NO_PASSWORDS_TEMPLATE = "ssh/11-no-passwords.conf.j2"

DEFAULTS = {
    # Turn password login off once key login of the lab user is proven.
    "ssh_disable_passwords": True,
}


def _private_keys() -> list[Path]:
    keys = [Path(f).expanduser().with_suffix("") for f in knob("users_authorized_key_files")]
    if host.data.get("ssh_key"):
        keys.append(Path(host.data.ssh_key).expanduser())
    return [k for k in dict.fromkeys(keys) if k.is_file()]


def key_login_proven() -> bool:
    """Log in as the lab user from here with a key alone; True if any key works."""
    data = host.data
    settings = {k: data.get(k) for k in ("ssh_port", "ssh_known_hosts_file", "ssh_strict_host_key_checking")}
    settings["ssh_hostname"] = data.get("ssh_hostname") or host.name
    for key in _private_keys():
        argv = ssh_argv(settings, data.lab_user, "-i", str(key), "-o", "IdentitiesOnly=yes",
                        "-o", "PreferredAuthentications=publickey")
        if subprocess.run([*argv, "true"], capture_output=True, timeout=30).returncode == 0:
            return True
    logger.warning(f"[{host.name}] SSH: key login as {data.lab_user} not proven; password login stays on")
    return False


def passwords_to_switch_off() -> bool:
    """True when the no-passwords drop-in is not yet as we write it and key login is proven. The proof (a login
    from here, about 0.4 s) is made only then, not on every rerun."""
    wanted = hashlib.sha1(render(NO_PASSWORDS_TEMPLATE).encode()).hexdigest()
    return host.get_fact(Sha1File, path=NO_PASSWORDS) != wanted and key_login_proven()


@deploy("SSH server", data_defaults=DEFAULTS)
def ssh():
    hardening = files.template(name="sshd: key-only root, forwarding on", src="templates/ssh/10-spark-lab.conf.j2",
                               dest=HARDENING, mode="644")
    if host.data.ssh_disable_passwords:
        passwords = files.template(name="sshd: password login off (after proving key login)",
                                   src=f"templates/{NO_PASSWORDS_TEMPLATE}", dest=NO_PASSWORDS, mode="644",
                                   _if=passwords_to_switch_off)
    else:  # absent means absent: password login back on
        passwords = files.file(name="sshd: password login allowed", path=NO_PASSWORDS, present=False)
    changed = any_changed(hardening, passwords)
    server.shell(name="sshd config is valid", commands=["sshd -t"], _if=changed)
    systemd.service(name="sshd reloaded", service="ssh", running=True, reloaded=True, _if=changed)
