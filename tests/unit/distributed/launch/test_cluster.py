"""An inventory's nodes: first QSFP link, knobs resolved with their role defaults, problems as usage errors."""

from pathlib import Path

import pytest

from distributed.launch.cluster import nodes_from_inventory, nodes_from_lab
from roles import knob_defaults
from sparklab.inventory import validate_hosts
from sparklab.toolcli import UsageError

REPO = Path(__file__).resolve().parents[4]


def test_inventory_problems_are_usage_errors():
    with pytest.raises(UsageError, match="no qsfp_interfaces"):
        nodes_from_lab(validate_hosts([("a", {"lab_user": "nvidia"})], knob_defaults()))
    with pytest.raises(UsageError, match="no host spark-9"):
        nodes_from_lab(validate_hosts([("a", {"lab_user": "nvidia"})], knob_defaults()), only=["spark-9"])
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
