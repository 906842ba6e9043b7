"""Clusters in one inventory: pairs, NVIDIA's ring and switch plans, and every rule's message naming the cluster,
the host and the subnet."""

from pathlib import Path

import pytest

from roles import knob_defaults
from sparklab.inventory import InventoryError, load_lab, validate_hosts

REPO = Path(__file__).resolve().parents[3]
RING = REPO / "inventories" / "three_sparks_ring.py"
PORT_0, PORT_1 = ("enp1s0f0np0", "enP2p1s0f0np0"), ("enp1s0f1np1", "enP2p1s0f1np1")


def node(name, addresses: dict, **data):
    return (name, {"lab_user": "nvidia", "mgmt_interface": "enP7s7",
                   "qsfp_interfaces": [{"name": i, "address": a} for i, a in addresses.items()], **data})


def pair_node(name, octet, **data):
    return node(name, {PORT_1[0]: f"192.168.100.{octet}/24", PORT_1[1]: f"192.168.101.{octet}/24"}, **data)


def ring_nodes(**changes):
    """NVIDIA's ring table (connect-three-sparks), with some interfaces' addresses changed."""
    table = {
        "spark-1": {PORT_0[0]: "192.168.0.1/24", PORT_0[1]: "192.168.1.1/24",
                    PORT_1[0]: "192.168.2.1/24", PORT_1[1]: "192.168.3.1/24"},
        "spark-2": {PORT_0[0]: "192.168.4.1/24", PORT_0[1]: "192.168.5.1/24",
                    PORT_1[0]: "192.168.0.2/24", PORT_1[1]: "192.168.1.2/24"},
        "spark-3": {PORT_0[0]: "192.168.2.2/24", PORT_0[1]: "192.168.3.2/24",
                    PORT_1[0]: "192.168.4.2/24", PORT_1[1]: "192.168.5.2/24"},
    }
    for host, addresses in changes.items():
        table[host] = {**table[host], **addresses}
    return [node(name, addresses, cluster="ring", cluster_topology="ring") for name, addresses in table.items()]


def lab_of(hosts):
    return validate_hosts(hosts, knob_defaults())


def error_of(hosts) -> str:
    with pytest.raises(InventoryError) as caught:
        lab_of(hosts)
    return str(caught.value)


def test_two_pairs_on_nvidias_addresses_are_two_clusters():
    lab = lab_of([pair_node("a1", 10, cluster="pair-a"), pair_node("a2", 11, cluster="pair-a"),
                  pair_node("b1", 10, cluster="pair-b"), pair_node("b2", 11, cluster="pair-b"),
                  ("solo", {"lab_user": "nvidia"})])
    assert [(c.name, c.topology.name, c.names) for c in lab.clusters] == [
        ("pair-a", "pair", ["a1", "a2"]), ("pair-b", "pair", ["b1", "b2"])]
    assert lab.cluster_of("solo") is None


def test_hosts_without_a_cluster_name_form_one_cluster():
    lab = load_lab(REPO / "inventories" / "two_sparks.py")
    assert [(c.name, c.topology.name, c.names) for c in lab.clusters] == [("lab", "pair", ["spark-1", "spark-2"])]


def test_the_classroom_has_six_standalone_sparks_and_two_pairs():
    lab = load_lab(REPO / "inventories" / "classroom.py")
    assert [(c.name, c.topology.name, c.names) for c in lab.clusters] == [
        ("pair-a", "pair", ["spark-07", "spark-08"]), ("pair-b", "pair", ["spark-09", "spark-10"])]
    assert [h.name for h in lab.hosts if lab.cluster_of(h.name) is None] == [f"spark-{n:02d}" for n in range(1, 7)]


def test_nvidias_ring_validates_and_each_node_reaches_a_peer_on_their_cable():
    lab = load_lab(RING)
    ring = lab.cluster("ring")
    assert ring.topology.name == "ring" and ring.names == ["spark-1", "spark-2", "spark-3"]
    one, two, three = ring.hosts
    assert ring.addresses_seen_from(one, two) == ("192.168.0.2", "192.168.1.2")
    assert ring.addresses_seen_from(one, three) == ("192.168.2.2", "192.168.3.2")
    assert ring.addresses_seen_from(two, three) == ("192.168.4.2", "192.168.5.2")
    assert ring.addresses_seen_from(one, one) == ("192.168.0.1", "192.168.1.1", "192.168.2.1", "192.168.3.1")


def test_nvidias_switch_plan_validates():
    lab = load_lab(REPO / "inventories" / "four_sparks_switch.py")
    switch = lab.cluster("switch")
    assert switch.topology.name == "switch" and len(switch.hosts) == 4
    assert {str(s) for s in switch.subnets()} == {"192.168.100.0/24", "192.168.101.0/24"}


def test_swapping_two_cables_in_the_ring_is_refused():
    """spark-1's ports swapped: its port 0 now goes to spark-3's port 0, its port 1 to spark-2's port 1."""
    swapped = ring_nodes(**{"spark-1": {PORT_0[0]: "192.168.2.1/24", PORT_0[1]: "192.168.3.1/24",
                                        PORT_1[0]: "192.168.0.1/24", PORT_1[1]: "192.168.1.1/24"}})
    assert ("cluster ring: host spark-3: qsfp_interfaces[0].address: subnet 192.168.2.0/24 joins port 0 of spark-1 to "
            "port 0 of spark-3; NVIDIA's ring cables port 0 of each node to port 1 of the next (are two cables "
            "swapped?)") in error_of(swapped)


def test_one_port_reaching_two_nodes_is_refused():
    """One logical interface of spark-1's port 0 on spark-3's cable, the other on spark-2's."""
    crossed = ring_nodes(**{"spark-1": {PORT_0[1]: "192.168.3.1/24", PORT_1[1]: "192.168.1.1/24"}})
    message = error_of(crossed)
    assert "cluster ring: host " in message and "one port is one cable, to one node" in message
    assert "192.168.3.0/24" in message or "192.168.1.0/24" in message


def test_two_interfaces_of_one_node_in_one_subnet_are_refused_naming_the_cluster():
    same = ring_nodes(**{"spark-2": {PORT_0[1]: "192.168.4.9/24"}})
    assert ("cluster ring: host spark-2: qsfp_interfaces[1].address: 192.168.4.9/24 shares a subnet with "
            "enp1s0f0np0 (192.168.4.1/24)") in error_of(same)


@pytest.mark.parametrize(("hosts", "expected"), [
    ([pair_node("a", 10), pair_node("b", 10)],
     "cluster lab: host b: qsfp_interfaces[0].address: 192.168.100.10 is already used by a (enp1s0f1np1)"),
    ([pair_node("a", 10, cluster="c1", cluster_topology="pair"),
      pair_node("b", 11, cluster="c1", cluster_topology="switch")],
     "cluster c1: host b: cluster_topology: switch differs from a's pair"),
    ([pair_node("a", 1), pair_node("b", 2),
      node("c", {PORT_0[0]: "192.168.100.3/24", PORT_0[1]: "192.168.101.3/24"})],
     "cluster lab: host c: qsfp_interfaces: uses enp1s0f0np0, enP2p1s0f0np0 but a uses enp1s0f1np1, enP2p1s0f1np1; "
     "use the same physical ports on every node"),
    ([n for n in ring_nodes() if n[0] != "spark-3"],
     "cluster ring: host spark-2: cluster: a ring has 3 nodes, this one has 2 (spark-1, spark-2)"),
    ([pair_node("a", 10), pair_node("b", 11), pair_node("c", 12, cluster_topology="pair")],
     "cluster lab: host c: cluster: a pair has 2 nodes, this one has 3 (a, b, c)"),
    ([(name, {**data, "mgmt_interface": None}) for name, data in ring_nodes()],
     "cluster ring: host spark-1: mgmt_interface: a ring's NCCL bootstrap and sockets run on the management network"),
    ([node("a", {"e1": "10.0.0.1/24", "e2": "10.0.1.1/24"}, cluster_topology="switch"),
      node("b", {"e1": "10.0.0.2/24", "e2": "10.0.2.2/24"}), node("c", {"e1": "10.0.0.3/24", "e2": "10.0.1.3/24"})],
     "cluster lab: host b: qsfp_interfaces: no address in subnet 10.0.1.0/24 (a (e2), c (e2) are in it); on a "
     "switch every node has an address in every subnet"),
    ([node("a", {"e1": "10.0.0.1/24"}), node("b", {"e1": "10.0.0.2/24"}), node("c", {"e1": "10.0.0.3/24"},
                                                                                 cluster_topology="ring")],
     "cluster lab: host c: qsfp_interfaces[0].address: subnet 10.0.0.0/24 joins 3 interfaces: a (e1), b (e1), "
     "c (e1); on a ring each subnet is one cable between two nodes"),
    ([("solo", {"lab_user": "nvidia", "cluster": "pair-a"})],
     "cluster pair-a: host solo: cluster: solo has no qsfp_interfaces"),
    ([pair_node("a", 10, cluster="Pair A")], "host a: cluster: String should match pattern"),
])
def test_bad_clusters_are_refused_naming_cluster_host_and_field(hosts, expected):
    assert expected in error_of(hosts)


def test_pyinfra_refuses_swapped_ring_cables_before_connecting(tmp_path):
    import subprocess
    import sys

    copy = tmp_path / "ring_copy.py"
    text = RING.read_text()
    # spark-2's two ports swapped in the data: its port 1 now carries spark-3's subnets
    copy.write_text(text.replace('("192.168.4.1/24", "192.168.5.1/24"), ("192.168.0.2/24", "192.168.1.2/24")',
                                 '("192.168.0.2/24", "192.168.1.2/24"), ("192.168.4.1/24", "192.168.5.1/24")'))
    assert copy.read_text() != text
    pyinfra = str(Path(sys.executable).with_name("pyinfra"))
    run = subprocess.run([pyinfra, str(copy), "deploys/level6.py", "--dry"], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    output = run.stdout + run.stderr
    assert run.returncode != 0 and "Connecting to hosts" not in output
    assert "cluster ring: host spark-2: " in output and "are two cables swapped?" in output
