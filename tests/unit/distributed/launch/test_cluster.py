"""An inventory's clusters as the launcher sees them: one cluster picked (--cluster, else the only one), each node's
interface, address and variables, knobs resolved with their role defaults, problems as usage errors."""

from pathlib import Path

import pytest

from distributed.launch.cluster import nodes_from_inventory, nodes_from_lab
from roles import knob_defaults
from sparklab.inventory import load_lab, validate_hosts
from sparklab.toolcli import UsageError

REPO = Path(__file__).resolve().parents[4]


def test_inventory_problems_are_usage_errors():
    with pytest.raises(UsageError, match="no hosts with qsfp_interfaces"):
        nodes_from_lab(validate_hosts([("a", {"lab_user": "nvidia"})], knob_defaults()))
    with pytest.raises(UsageError, match="host spark-9 is not in the inventory; cluster lab has spark-1, spark-2"):
        nodes_from_lab(load_lab(REPO / "inventories" / "two_sparks.py"), only=["spark-9"])
    with pytest.raises(UsageError, match="no inventory file"):
        nodes_from_inventory(REPO / "inventories" / "no_such_inventory.py")


def test_a_broken_inventory_names_host_and_field(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text('pair = ([("spark-1", {"lab_user": "nvidia", "distributed_master_port": "29500"})], {})\n')
    with pytest.raises(UsageError, match="host spark-1: distributed_master_port: expected int, got str"):
        nodes_from_inventory(broken)


@pytest.mark.parametrize(("inventory", "iface", "addresses"), [
    ("two_sparks.py", "enp1s0f1np1", ["192.168.100.10", "192.168.100.11"]),
    ("sim_lab.py", "qsfp0", ["192.168.100.10", "192.168.100.11"]),
])
def test_shipped_inventories_use_their_first_qsfp_link(inventory, iface, addresses):
    nodes = nodes_from_inventory(REPO / "inventories" / inventory)
    assert [(n.iface, n.address) for n in nodes] == [(iface, a) for a in addresses]


@pytest.fixture(scope="module")
def classroom():
    return load_lab(REPO / "inventories" / "classroom.py")


def test_an_inventory_of_several_clusters_needs_cluster_and_lists_them(classroom):
    with pytest.raises(UsageError, match=r"has 2 clusters \(pair-a, pair-b\); pick one with --cluster NAME"):
        nodes_from_lab(classroom)
    with pytest.raises(UsageError, match=r"no cluster pair-c in the inventory \(clusters: pair-a, pair-b\)"):
        nodes_from_lab(classroom, cluster="pair-c")
    nodes = nodes_from_lab(classroom, cluster="pair-b")
    assert [(n.name, n.iface, n.address) for n in nodes] == [("spark-09", "enp1s0f1np1", "192.168.100.10"),
                                                            ("spark-10", "enp1s0f1np1", "192.168.100.11")]
    assert nodes[0].knob("nccl_threshold_gbps") == 21.875


def test_hosts_outside_the_chosen_cluster_are_named(classroom):
    with pytest.raises(UsageError, match="host spark-01 is standalone .*; cluster pair-a has spark-07, spark-08"):
        nodes_from_lab(classroom, only=["spark-01"], cluster="pair-a")
    with pytest.raises(UsageError, match="host spark-09 is not in it; cluster pair-a has"):
        nodes_from_lab(classroom, only=["spark-09"], cluster="pair-a")
    with pytest.raises(UsageError, match="host spark-99 is not in the inventory"):
        nodes_from_lab(classroom, only=["spark-99"], cluster="pair-a")


def test_a_ring_talks_on_the_management_network_with_its_own_pass_mark():
    nodes = nodes_from_inventory(REPO / "inventories" / "three_sparks_ring.py")
    assert [(n.iface, n.address) for n in nodes] == [("enP7s7", f"spark-{i}.local") for i in (1, 2, 3)]
    assert nodes[0].knob("nccl_threshold_gbps") == 10.0
    assert nodes[0].env["NCCL_SOCKET_IFNAME"] == "enP7s7" and nodes[0].env["NCCL_IB_MERGE_NICS"] == "0"
    assert nodes[0].env["OMPI_MCA_btl_tcp_if_include"] == "enp1s0f0np0,enP2p1s0f0np0,enp1s0f1np1,enP2p1s0f1np1"
