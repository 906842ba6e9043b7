"""The Sparks' interconnect as the software on them sees it, in one place for the roles that install it and the
``distributed`` tools that use it: the cluster topologies NVIDIA documents (pair, ring, switch) with their pass
marks and NCCL settings, the variables that put NCCL, UCX, Open MPI and gloo on the right interfaces, where NCCL,
nccl-tests and CUDA live and the library path nccl-tests runs with.
"""

from dataclasses import dataclass, field

# Debian architecture (``dpkg --print-architecture``, pyinfra's DebArch fact) → multiarch library folder.
MULTIARCH = {"arm64": "aarch64-linux-gnu", "amd64": "x86_64-linux-gnu"}

# Where the NCCL role builds (knobs nccl_dir, nccl_tests_dir, nccl_cuda_home; defaults here).
NCCL_DIR = "/opt/nccl"
NCCL_TESTS_DIR = "/opt/nccl-tests"  # built with `make MPI=1`: binaries in build/
CUDA_HOME = "/usr/local/cuda"

# Pass mark for nccl-tests' "Avg bus bandwidth" between two Sparks (GB/s): NVIDIA's cluster script
# (MIN_NCCL_TEST_BW, 175 Gbps).
NCCL_THRESHOLD_GBPS = 21.875
# One 200GbE QSFP link in GB/s: no bus bandwidth between two nodes can exceed it.
LINE_RATE_GBPS = 25.0


@dataclass(frozen=True)
class Topology:
    """How the Sparks of one cluster are cabled (dgx-spark-playbooks: connect-two-sparks, connect-three-sparks,
    multi-sparks-through-switch and their `spark_cluster_setup` script)."""

    name: str
    # Every subnet is one cable between two nodes (pair, ring); else every node is in every subnet (switch).
    point_to_point: bool
    min_nodes: int
    max_nodes: int | None
    # nccl-tests' all_gather "Avg bus bandwidth" pass mark, GB/s (the script's MIN_NCCL_TEST_BW[_RING]).
    nccl_threshold_gbps: float
    # Sockets (NCCL bootstrap, gloo, UCX) on the management network, as the script runs them: no QSFP address of a
    # ring node is reachable from both of its peers.
    sockets_on_management: bool = False
    # NCCL variables the script adds for this topology.
    nccl_env: dict[str, str] = field(default_factory=dict)


TOPOLOGIES = {
    "pair": Topology("pair", point_to_point=True, min_nodes=2, max_nodes=2, nccl_threshold_gbps=NCCL_THRESHOLD_GBPS),
    # Node N's port 0 cabled to node N+1's port 1; the script builds NCCL's ring fork (NCCL role) and sets these.
    "ring": Topology("ring", point_to_point=True, min_nodes=3, max_nodes=3, nccl_threshold_gbps=10.0,
                     sockets_on_management=True,
                     nccl_env={"NCCL_IB_HCA": "rocep1s0f0,rocep1s0f1,roceP2p1s0f0,roceP2p1s0f1",
                               "NCCL_IB_SUBNET_AWARE_ROUTING": "1", "NCCL_IB_MERGE_NICS": "0",
                               "NCCL_NET_PLUGIN": "none"}),
    # Port 1 of every node on one switch (one L2 domain); the script stops at 4 nodes, a bigger switch takes more.
    "switch": Topology("switch", point_to_point=False, min_nodes=2, max_nodes=None,
                       nccl_threshold_gbps=NCCL_THRESHOLD_GBPS),
}


def interface_env(iface: str) -> dict[str, str]:
    """The variables that keep NCCL, UCX, Open MPI's TCP transport and gloo on ``iface`` (NVIDIA's playbook
    order, gloo last)."""
    return {
        "NCCL_SOCKET_IFNAME": iface,
        "UCX_NET_DEVICES": iface,
        "OMPI_MCA_btl_tcp_if_include": iface,
        "GLOO_SOCKET_IFNAME": iface,
    }


def openmpi_home(deb_arch: str) -> str:
    """Debian's Open MPI prefix (MPI_HOME for nccl-tests' build)."""
    return f"/usr/lib/{MULTIARCH[deb_arch]}/openmpi"


def nccl_library_path(nccl_dir: str, cuda_home: str, deb_arch: str) -> str:
    """LD_LIBRARY_PATH for nccl-tests, as NVIDIA's playbook sets it: NCCL's build, CUDA, Open MPI."""
    return f"{nccl_dir}/build/lib:{cuda_home}/lib64:{openmpi_home(deb_arch)}/lib"


def node_env(topology: Topology, qsfp: list[str], mgmt: str | None) -> dict[str, str]:
    """A cluster node's communication variables: on a pair or a switch everything on the first QSFP interface
    (NVIDIA's NCCL playbook); on a ring the sockets on the management interface and Open MPI's TCP on every QSFP
    interface (it pairs them with a peer's by subnet), as NVIDIA's cluster script runs it; then the topology's
    NCCL variables."""
    if topology.sockets_on_management:
        env = {**interface_env(mgmt), "OMPI_MCA_btl_tcp_if_include": ",".join(qsfp)}
    else:
        env = interface_env(qsfp[0])
    return {**env, **topology.nccl_env}
