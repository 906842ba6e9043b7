"""One cluster of an inventory as the launcher needs it: per node its SSH settings, the interface and address its
ranks talk on, its communication variables, and the knobs the launcher reads.

The inventory is loaded in a child process (``python -m distributed.launch.cluster FILE`` prints its clusters as
JSON, see ``sparklab.toolcli``). Knobs are resolved there, each host's data else its role's default (the NCCL
pass mark else the cluster topology's), so this package never reads a role's defaults itself.
"""

from dataclasses import dataclass

from sparklab import hub
from sparklab.interconnect import node_env
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
    iface: str  # the interface the ranks' sockets use (the first QSFP one; a ring's management interface)
    address: str  # where the other nodes reach this one (its address there; a ring node's SSH host name)
    env: dict  # NCCL, UCX, Open MPI and gloo variables (sparklab.interconnect.node_env)
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


def _node(cluster, host) -> dict:
    qsfp = host.qsfp_interfaces
    env = node_env(cluster.topology, [i.name for i in qsfp], host.mgmt_interface)
    on_management = cluster.topology.sockets_on_management
    knobs = {key: host.setting(key) for key in SETTINGS}
    if knobs["distributed_nccl_threshold_gbps"] is None:
        knobs["distributed_nccl_threshold_gbps"] = cluster.topology.nccl_threshold_gbps
    return {"name": host.name, "ssh": host.ssh, "lab_user": host.lab_user,
            "iface": host.mgmt_interface if on_management else qsfp[0].name,
            "address": host.ssh["ssh_hostname"] if on_management else str(qsfp[0].address.ip),
            "env": env, "knobs": knobs}


def hosts_of(lab) -> dict:
    """Plain data of a validated lab: its clusters (what ``nodes_from_clusters`` needs) and standalone hosts."""
    return {"clusters": [{"name": c.name, "topology": c.topology.name, "nodes": [_node(c, h) for h in c.hosts]}
                         for c in lab.clusters],
            "standalone": [h.name for h in lab.hosts if lab.cluster_of(h.name) is None]}


def _pick(clusters: list[dict], name: str | None) -> dict:
    names = ", ".join(c["name"] for c in clusters)
    if name is not None:
        for cluster in clusters:
            if cluster["name"] == name:
                return cluster
        raise UsageError(f"no cluster {name} in the inventory (clusters: {names or 'none'})")
    if len(clusters) == 1:
        return clusters[0]
    if not clusters:
        raise UsageError("the inventory has no hosts with qsfp_interfaces; distributed runs need the link")
    raise UsageError(f"the inventory has {len(clusters)} clusters ({names}); pick one with --cluster NAME")


def nodes_from_clusters(inventory: dict, only: list[str] | None = None, cluster: str | None = None) -> list[Node]:
    """The nodes of one cluster: ``cluster``, else the inventory's only one; limited to ``only`` hosts."""
    chosen = _pick(inventory["clusters"], cluster)
    members = [n["name"] for n in chosen["nodes"]]
    for name in only or ():
        if name not in members:
            where = ("is standalone (no qsfp_interfaces)" if name in inventory["standalone"] else
                     "is not in it" if any(name in [n["name"] for n in c["nodes"]] for c in inventory["clusters"])
                     else "is not in the inventory")
            raise UsageError(f"host {name} {where}; cluster {chosen['name']} has {', '.join(members)}")
    return [Node(**n) for n in chosen["nodes"] if not only or n["name"] in only]


def nodes_from_lab(lab, only: list[str] | None = None, cluster: str | None = None) -> list[Node]:
    return nodes_from_clusters(hosts_of(lab), only, cluster)


def nodes_from_inventory(path: str, only: list[str] | None = None, cluster: str | None = None) -> list[Node]:
    return nodes_from_clusters(load_inventory_hosts("distributed.launch.cluster", path), only, cluster)


if __name__ == "__main__":
    serve_inventory_hosts(hosts_of)
