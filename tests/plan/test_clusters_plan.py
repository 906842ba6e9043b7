"""Clusters planned on @fake DGX OS hosts: the ring, the switch and the classroom's pairs each get NVIDIA's netplan
byte for byte, and names, MPI hostfile, mesh and NCCL settings of their own cluster only."""

import re

import pytest
from planner import fake_hosts_like, plan

MULTINODE = "tests/integration/deploys/multinode.py"
PROFILE = "Distributed environment | Communication interfaces for NCCL, UCX, Open MPI and gloo, and the Hub"


def netplan(lines: list[tuple[str, str]], ring: bool = False) -> str:
    """NVIDIA's /etc/netplan/40-cx7.yaml: the ring's README writes `dhcp4: false` first, the pair's and the
    switch's `addresses` first and `dhcp4: no`."""
    text = "network:\n  version: 2\n  ethernets:\n"
    for name, address in lines:
        text += (f"    {name}:\n      dhcp4: false\n      addresses:\n        - {address}\n" if ring else
                 f"    {name}:\n      addresses:\n        - {address}\n      dhcp4: no\n")
    return text


# connect-three-sparks, Option 2, nodes 1-3 (README at the pinned playbooks commit).
RING = {
    "spark-1": [("enp1s0f0np0", "192.168.0.1/24"), ("enP2p1s0f0np0", "192.168.1.1/24"),
                ("enp1s0f1np1", "192.168.2.1/24"), ("enP2p1s0f1np1", "192.168.3.1/24")],
    "spark-2": [("enp1s0f0np0", "192.168.4.1/24"), ("enP2p1s0f0np0", "192.168.5.1/24"),
                ("enp1s0f1np1", "192.168.0.2/24"), ("enP2p1s0f1np1", "192.168.1.2/24")],
    "spark-3": [("enp1s0f0np0", "192.168.2.2/24"), ("enP2p1s0f0np0", "192.168.3.2/24"),
                ("enp1s0f1np1", "192.168.4.2/24"), ("enP2p1s0f1np1", "192.168.5.2/24")],
}


def without_comments(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("#"))


def uploaded(planned, host, op) -> str:
    return next(c for c in ops(planned, host)[op].commands if isinstance(c, tuple))[1]


def ops(planned, host):
    return {op.name: op for op in planned[host]}


def _plan(request, inventory):
    mesh = request.getfixturevalue("tmp_path_factory").mktemp("mesh")
    return plan(fake_hosts_like(inventory, request.getfixturevalue("dgx_os_module"), users_authorized_key_files=[],
                                ssh_mesh_key_dir=str(mesh)), MULTINODE)


@pytest.fixture(scope="module")
def ring(request):
    return _plan(request, "inventories/three_sparks_ring.py")


@pytest.fixture(scope="module")
def switch(request):
    return _plan(request, "inventories/four_sparks_switch.py")


@pytest.fixture(scope="module")
def classroom(request):
    return _plan(request, "inventories/classroom.py")


@pytest.mark.parametrize("host", RING)
def test_ring_netplan_is_nvidias_byte_for_byte(ring, host):
    assert without_comments(uploaded(ring, host, "QSFP link | netplan file")) == netplan(RING[host], ring=True)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_switch_netplan_is_nvidias_static_plan_byte_for_byte(switch, n):
    expected = netplan([("enp1s0f1np1", f"192.168.100.{n}/24"), ("enP2p1s0f1np1", f"192.168.101.{n}/24")])
    assert without_comments(uploaded(switch, f"spark-{n}", "QSFP link | netplan file")) == expected


def test_ring_nodes_name_each_peer_by_the_cable_between_them(ring):
    hosts_block = ops(ring, "spark-1")["Peer names | QSFP names in /etc/hosts"].shell()
    for line in ("192.168.0.1 spark-1 spark-1-qsfp", "192.168.0.2 spark-2 spark-2-qsfp",
                 "192.168.1.2 spark-2-qsfp1", "192.168.2.2 spark-3 spark-3-qsfp", "192.168.3.2 spark-3-qsfp1"):
        assert line in hosts_block
    assert "192.168.4." not in hosts_block  # the spark-2 - spark-3 cable is not spark-1's
    hostfile = uploaded(ring, "spark-3", "OpenMPI | MPI hostfile")
    assert re.findall(r"^(\S+) slots=1$", hostfile, re.M) == ["192.168.2.1", "192.168.4.1", "192.168.2.2"]


def test_ring_builds_nvidias_ring_fork_and_runs_sockets_on_the_management_network(ring):
    build = ops(ring, "spark-2")["NCCL and nccl-tests | Build NCCL"].shell()
    assert "git clone --depth 1 -b dgxspark-3node-ring https://github.com/zyang-dev/nccl.git /opt/nccl" in build
    profile = without_comments(uploaded(ring, "spark-2", PROFILE))
    for line in ("NCCL_SOCKET_IFNAME=enP7s7", "UCX_NET_DEVICES=enP7s7", "GLOO_SOCKET_IFNAME=enP7s7",
                 "OMPI_MCA_btl_tcp_if_include=enp1s0f0np0,enP2p1s0f0np0,enp1s0f1np1,enP2p1s0f1np1",
                 "NCCL_IB_MERGE_NICS=0", "NCCL_NET_PLUGIN=none", "NCCL_IB_SUBNET_AWARE_ROUTING=1"):
        assert f"export {line}\n" in profile


def test_switch_nodes_know_all_four_and_keep_nvidias_nccl(switch):
    hostfile = uploaded(switch, "spark-4", "OpenMPI | MPI hostfile")
    assert re.findall(r"^(\S+) slots=1$", hostfile, re.M) == [f"192.168.100.{n}" for n in range(1, 5)]
    build = ops(switch, "spark-4")["NCCL and nccl-tests | Build NCCL"].shell()
    assert "-b v2.28.9-1 https://github.com/NVIDIA/nccl.git" in build
    assert "export NCCL_SOCKET_IFNAME=enp1s0f1np1\n" in uploaded(switch, "spark-4", PROFILE)


@pytest.mark.parametrize(("host", "octet"), [("spark-07", 10), ("spark-08", 11), ("spark-09", 10), ("spark-10", 11)])
def test_classroom_pairs_each_get_nvidias_pair_netplan(classroom, host, octet):
    expected = netplan([("enp1s0f1np1", f"192.168.100.{octet}/24"), ("enP2p1s0f1np1", f"192.168.101.{octet}/24")])
    assert without_comments(uploaded(classroom, host, "QSFP link | netplan file")) == expected


def test_classroom_pairs_know_only_their_own_cluster(classroom):
    hosts_block = ops(classroom, "spark-09")["Peer names | QSFP names in /etc/hosts"].shell()
    assert "192.168.100.10 spark-09 spark-09-qsfp" in hosts_block
    assert "192.168.100.11 spark-10 spark-10-qsfp" in hosts_block
    assert "spark-07" not in hosts_block and "spark-08" not in hosts_block
    keyscan = ops(classroom, "spark-09")["SSH mesh | Peers' host keys in known_hosts"].shell()
    assert "spark-10" in keyscan and "spark-07" not in keyscan


def test_classroom_standalone_sparks_get_no_link_mesh_or_hostfile(classroom):
    names = set(ops(classroom, "spark-01"))
    assert not any(name.startswith(("QSFP link", "Peer names", "SSH mesh")) for name in names)
    assert "OpenMPI | MPI hostfile" not in names
