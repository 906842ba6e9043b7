"""An inventory's nodes as the launcher needs them: SSH settings, first QSFP interface, distributed_* knobs.

The inventory is loaded in a child process (``python -m distributed.cluster FILE`` prints its hosts as JSON):
pyinfra's CLI package monkey-patches the whole interpreter with gevent on import, and the launcher's threads,
subprocesses and SSH sessions should not run under that.
"""

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from roles.distributed_env import DEFAULTS

REPO = Path(__file__).resolve().parent.parent
_ERROR_MARK = "@@inventory-error@@ "


class UsageError(Exception):
    """A problem with the command line, the inventory or the environment: exit status 2."""


@dataclass(frozen=True)
class Node:
    name: str
    ssh: dict
    lab_user: str
    iface: str  # first QSFP interface: every rank's traffic goes over it
    address: str  # that interface's IPv4 address
    knobs: dict  # distributed_* knobs, defaults filled in

    def knob(self, key: str):
        return self.knobs[f"distributed_{key}"]

    @property
    def mpi_user(self) -> str | None:
        """Who runs mpirun here when not the SSH user: the lab user, whose keys reach every node."""
        return None if self.ssh.get("ssh_user") == self.lab_user else self.lab_user


def hosts_of(lab) -> list[dict]:
    """Plain data of a validated lab: what ``nodes_from_hosts`` needs."""
    return [{"name": h.name, "ssh": h.ssh, "lab_user": h.lab_user,
             "qsfp": [[i.name, str(i.address.ip)] for i in h.qsfp_interfaces],
             "knobs": {k: v for k, v in h.knobs.items() if k.startswith("distributed_")}} for h in lab.hosts]


def nodes_from_hosts(hosts: list[dict], only: list[str] | None = None) -> list[Node]:
    missing = sorted(set(only or ()) - {h["name"] for h in hosts})
    if missing:
        known = ", ".join(h["name"] for h in hosts)
        raise UsageError(f"no host {missing[0]} in the inventory (hosts: {known})")
    nodes = []
    for host in hosts:
        if only and host["name"] not in only:
            continue
        if not host["qsfp"]:
            raise UsageError(f"host {host['name']}: no qsfp_interfaces in the inventory; "
                             "distributed runs need the link")
        iface, address = host["qsfp"][0]
        nodes.append(Node(host["name"], host["ssh"], host["lab_user"], iface, address,
                          {**DEFAULTS, **host["knobs"]}))
    if not nodes:
        raise UsageError("the inventory has no hosts")
    return nodes


def nodes_from_lab(lab, only: list[str] | None = None) -> list[Node]:
    return nodes_from_hosts(hosts_of(lab), only)


def nodes_from_inventory(path: str, only: list[str] | None = None) -> list[Node]:
    if not Path(path).is_file():  # pyinfra would take a missing file's name for a host name
        raise UsageError(f"no inventory file {path}")
    loaded = subprocess.run([sys.executable, "-m", "distributed.cluster", str(Path(path).resolve())],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    if loaded.returncode != 0:
        _, marked, message = loaded.stderr.partition(_ERROR_MARK)
        raise UsageError(message.strip() if marked else f"cannot load {path}: {loaded.stderr.strip()}")
    return nodes_from_hosts(json.loads(loaded.stdout), only)


if __name__ == "__main__":
    from sparklab.inventory import load_lab

    try:
        print(json.dumps(hosts_of(load_lab(sys.argv[1]))))
    except Exception as error:  # InventoryError (ours or pyinfra's): its message names host and field
        sys.exit(f"{_ERROR_MARK}{error}")
