"""An inventory's nodes as the launcher needs them: SSH settings, first QSFP interface, the knobs it reads.

The inventory is loaded in a child process (``python -m distributed.launch.cluster FILE`` prints its hosts as
JSON, see ``sparklab.toolcli``). Knobs are resolved there, each host's data else its role's default, so this
package never reads a role's defaults itself.
"""

from dataclasses import dataclass

from sparklab import hub
from sparklab.toolcli import UsageError, load_inventory_hosts, serve_inventory_hosts

# The knobs the launcher reads: the distributed_env role's, the NCCL role's install paths, the Hub mirror.
SETTINGS = (
    "distributed_mode", "distributed_path", "distributed_venv", "distributed_pytorch_image",
    "distributed_container_gpus", "distributed_master_port", "distributed_omp_num_threads",
    "distributed_nccl_threshold_gbps", "distributed_line_rate_gbps",
    "nccl_dir", "nccl_tests_dir", "nccl_cuda_home",
    "hf_endpoint", "hf_env",
)


@dataclass(frozen=True)
class Node:
    name: str
    ssh: dict
    lab_user: str
    iface: str  # first QSFP interface: every rank's traffic goes over it
    address: str  # that interface's IPv4 address
    knobs: dict  # SETTINGS, defaults filled in

    def knob(self, key: str):
        return self.knobs[f"distributed_{key}"]

    @property
    def hub_env(self) -> dict[str, str]:
        """The Hugging Face Hub mirror, if the inventory names one: where `train --model NAME` downloads from."""
        return hub.hub_env(self.knobs.get)

    @property
    def mpi_user(self) -> str | None:
        """Who runs mpirun here when not the SSH user: the lab user, whose keys reach every node."""
        return None if self.ssh.get("ssh_user") == self.lab_user else self.lab_user


def hosts_of(lab) -> list[dict]:
    """Plain data of a validated lab: what ``nodes_from_hosts`` needs."""
    return [{"name": h.name, "ssh": h.ssh, "lab_user": h.lab_user,
             "qsfp": [[i.name, str(i.address.ip)] for i in h.qsfp_interfaces],
             "knobs": {key: h.setting(key) for key in SETTINGS}} for h in lab.hosts]


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
        nodes.append(Node(host["name"], host["ssh"], host["lab_user"], iface, address, host["knobs"]))
    if not nodes:
        raise UsageError("the inventory has no hosts")
    return nodes


def nodes_from_lab(lab, only: list[str] | None = None) -> list[Node]:
    return nodes_from_hosts(hosts_of(lab), only)


def nodes_from_inventory(path: str, only: list[str] | None = None) -> list[Node]:
    return nodes_from_hosts(load_inventory_hosts("distributed.launch.cluster", path), only)


if __name__ == "__main__":
    serve_inventory_hosts(hosts_of)
