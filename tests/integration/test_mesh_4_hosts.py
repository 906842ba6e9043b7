"""A lab of four simulated hosts converges the SSH mesh and the MPI hostfile for all four."""

import subprocess

import pytest

from sparklab import runner
from sparklab.inventory import load_lab
from sparklab.sshconfig import ssh_argv

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def four_hosts(sim_lab, tmp_path_factory):
    up = runner.simlab("up", "--hosts", "4")
    assert up.returncode == 0, up.stderr[-3000:]
    inventory = tmp_path_factory.mktemp("four") / "sim_lab_4.py"
    inventory.write_text(runner.simlab("inventory", "--hosts", "4").stdout)
    yield str(inventory)
    assert runner.simlab("up").returncode == 0  # back to the two-host lab for the tests after this one


def _as(spark, user, command):
    argv = ssh_argv(spark.ssh, "root", "-i", spark.ssh["ssh_key"])
    return subprocess.run([*argv, f"sudo -u {user} -H sh -c {command!r}"], capture_output=True, text=True, timeout=120)


def test_mesh_and_hostfile_converge_for_four(four_hosts):
    first = runner.deploy(four_hosts, "tests/integration/deploys/mesh.py")
    assert first.returncode == 0 and first.totals["error"] == 0, first.output[-4000:]
    second = runner.deploy(four_hosts, "tests/integration/deploys/mesh.py")
    assert second.converged, (second.totals, second.changed)

    lab = load_lab(four_hosts)
    names = [h.name for h in lab.hosts]
    assert len(names) == 4
    for spark in lab.hosts:
        for peer in names:
            run = _as(spark, spark.lab_user, f"ssh -o BatchMode=yes {peer} hostname")
            assert run.returncode == 0 and run.stdout.strip() == peer, (spark.name, peer, run.stderr)
    first_node = lab.hosts[0]
    hostfile = _as(first_node, "root", f"cat {first_node.setting('mpi_hostfile')}").stdout
    assert [line.split()[0] for line in hostfile.splitlines() if not line.startswith("#")] == [
        str(h.qsfp_interfaces[0].address.ip) for h in lab.hosts]
