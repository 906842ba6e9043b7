"""Cluster topologies on the simulated lab: NVIDIA's ring of three (a bridge per cable, two QSFP NICs a host) and
a classroom of two standalone hosts and one pair. Each converges level 6's multi-node roles with 0 changes on the
second run, and its level-6 checkpoint is green per cluster: link, ping on every shared subnet, the SSH mesh,
mpirun and collectives across the cluster. Then one host of the classroom's pair is re-imaged (fresh root
filesystem, new host keys): rerunning the deploy on the whole inventory converges it and changes nothing on the
other hosts but its pair-mate's known hosts, and the checkpoint is green again."""

import subprocess

import pytest

from sparklab import runner
from sparklab.inventory import load_lab
from sparklab.sshconfig import ssh_argv

pytestmark = pytest.mark.integration
DEPLOY = "tests/integration/deploys/multinode.py"
# The level-6 items the multi-node roles make true (levels 1-5 are not deployed here).
ITEMS = ("test_planned_addresses_and_mtu", "test_peers_answer_a_dont_fragment_ping_at_full_mtu",
         "test_lab_user_reaches_every_peer_without_password_or_prompt", "test_mpirun_runs_on_every_node",
         "test_collectives_across_the_nodes_are_correct")


def _lab_as(topology: str, tmp_path_factory) -> str:
    up = runner.simlab("up", "--topology", topology)
    assert up.returncode == 0, up.stderr[-3000:]
    inventory = tmp_path_factory.mktemp(topology.replace(":", "-").replace("+", "-")) / "sim_lab.py"
    inventory.write_text(runner.simlab("inventory", "--topology", topology).stdout)
    return str(inventory)


def _checkpoint(inventory, tmp_path):
    return runner.checkpoints(inventory, 6, tmp_path / "report.json", "-k", " or ".join(ITEMS))


def _converged_and_green(inventory, tmp_path):
    """Two runs of the multi-node roles, the second changing nothing, then the level-6 items; the checkpoint run."""
    first, second = runner.deploy_twice(inventory, DEPLOY)
    assert first.returncode == 0 and first.totals["error"] == 0, first.output[-4000:]
    assert second.converged, (second.totals, second.changed, second.errors)
    check = _checkpoint(inventory, tmp_path)
    assert check.green, check.output[-6000:]
    return check


def _on(inventory, host, command):
    spark = load_lab(inventory).host(host)
    return subprocess.run([*ssh_argv(spark.ssh, "root", "-i", spark.ssh["ssh_key"]), command],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def ring(sim_lab, tmp_path_factory):
    return _lab_as("ring", tmp_path_factory)


@pytest.fixture(scope="module")
def classroom(sim_lab, tmp_path_factory):
    inventory = _lab_as("classroom:2+1", tmp_path_factory)
    yield inventory
    assert runner.simlab("up").returncode == 0  # back to the two-host lab for the tests after this module


def test_ring_converges_and_its_checkpoint_is_green(ring, tmp_path):
    check = _converged_and_green(ring, tmp_path)
    hosts = ("spark-sim-1", "spark-sim-2", "spark-sim-3")
    for item in ITEMS[:3]:
        assert check.items[item] == dict.fromkeys(hosts, "PASS"), (item, check.items[item])
    for item in ITEMS[3:]:
        assert check.items[item] == {"ring": "PASS"}, (item, check.items[item])
    # each node names a peer by the cable between them: spark-sim-1 reaches spark-sim-3 on 192.168.2.0/24
    assert _on(ring, "spark-sim-1", "getent hosts spark-sim-3").stdout.split()[0] == "192.168.2.2"


def test_classroom_converges_and_only_the_pair_is_a_cluster(classroom, tmp_path):
    check = _converged_and_green(classroom, tmp_path)
    for item in ITEMS[:3]:
        assert check.items[item]["spark-sim-1"].startswith("N/A (no qsfp_interfaces"), check.items[item]
        assert check.items[item]["spark-sim-3"] == check.items[item]["spark-sim-4"] == "PASS"
    for item in ITEMS[3:]:
        assert check.items[item] == {"pair-1": "PASS"}, (item, check.items[item])


def test_rebuilding_one_host_changes_only_its_own_entries_elsewhere(classroom, tmp_path):
    """The instructor re-images spark-sim-4 and reruns the deploy on the whole class."""
    before = _on(classroom, "spark-sim-3", "cat /home/student/.ssh/known_hosts").stdout
    rebuilt = runner.simlab("rebuild", "spark-sim-4")
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]
    assert _on(classroom, "spark-sim-4", "test -e /home/student").returncode != 0  # a fresh root filesystem
    rerun = runner.deploy(classroom, DEPLOY)
    assert rerun.returncode == 0 and rerun.totals["error"] == 0, rerun.output[-4000:]
    elsewhere = [change for change in rerun.changed if not change.startswith("spark-sim-4:")]
    assert elsewhere == ["spark-sim-3: SSH mesh | Peers' host keys in known_hosts"], elsewhere
    assert any(change.startswith("spark-sim-4: ") for change in rerun.changed)
    after = _on(classroom, "spark-sim-3", "cat /home/student/.ssh/known_hosts").stdout
    changed = set(before.splitlines()) ^ set(after.splitlines())
    assert changed and all("spark-sim-4" in line or "192.168.100.11" in line for line in changed), changed
    again = runner.deploy(classroom, DEPLOY)
    assert again.converged, (again.totals, again.changed)
    check = _checkpoint(classroom, tmp_path)
    assert check.green, check.output[-6000:]
    assert check.items["test_mpirun_runs_on_every_node"] == {"pair-1": "PASS"}
