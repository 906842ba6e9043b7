"""Level 6 checkpoint — multi-node: the QSFP link, the SSH mesh, MPI, and distributed jobs across the nodes.

Per node: addresses, MTU, a don't-fragment ping at the full MTU to every peer of its cluster on every subnet they
share, passwordless SSH to every peer. Once per cluster (they need its nodes together): mpirun across the
nodes, nccl-tests on Sparks, collectives and a short FSDP training run everywhere.
"""

import json
import subprocess
import sys

import pytest

from sparklab.checkpoints import not_applicable
from sparklab.interconnect import node_env
from sparklab.runner import REPO

pytestmark = pytest.mark.level(6)


def _cluster_of(spark, lab):
    cluster = lab.cluster_of(spark.name)
    if cluster is None:
        not_applicable("no qsfp_interfaces in the inventory")
    return cluster


def test_planned_addresses_and_mtu(host, spark, lab):
    _cluster_of(spark, lab)
    for planned in spark.qsfp_interfaces:
        interface = host.interface(planned.name)
        assert interface.exists, planned.name
        assert str(planned.address.ip) in interface.addresses
        if planned.mtu:
            assert interface.link[0]["mtu"] == planned.mtu


def test_peers_answer_a_dont_fragment_ping_at_full_mtu(host, spark, lab):
    for peer in _cluster_of(spark, lab).hosts:
        for mine in spark.qsfp_interfaces:
            for theirs in (i for i in peer.qsfp_interfaces if i.address.network == mine.address.network):
                payload = (mine.mtu or 1500) - 28  # IPv4 + ICMP headers
                run = host.run(f"ping -c 2 -W 2 -M do -s {payload} -I {mine.name} {theirs.address.ip}")
                assert run.rc == 0, f"{peer.name} {theirs.address.ip}: {run.stdout}{run.stderr}"


def test_lab_user_reaches_every_peer_without_password_or_prompt(host, spark, lab):
    cluster = _cluster_of(spark, lab)
    for peer in cluster.hosts:
        for target in (cluster.addresses_seen_from(spark, peer)[0], peer.name, f"{peer.name}-qsfp"):
            run = host.run(f"sudo -u {spark.lab_user} -H ssh -o BatchMode=yes {target} hostname")
            assert run.rc == 0, f"{target}: {run.stderr}"


# --- once per cluster -----------------------------------------------------------------------------

def _nodes(cluster):
    if cluster is None:
        not_applicable("needs two nodes joined by QSFP links")
    return cluster.hosts


def test_mpirun_runs_on_every_node(cluster, hosts):
    nodes = _nodes(cluster)
    first = nodes[0]
    # Open MPI's TCP on the cluster's QSFP interfaces, as the distributed environment's profile sets it
    btl = node_env(cluster.topology, [i.name for i in first.qsfp_interfaces],
                   first.mgmt_interface)["OMPI_MCA_btl_tcp_if_include"]
    run = hosts[first.name].run(f"sudo -u {first.lab_user} -H mpirun -np {len(nodes)} "
                                f"--hostfile {first.setting('mpi_hostfile')} --mca btl_tcp_if_include {btl} hostname")
    assert run.rc == 0, run.stderr
    expected = sorted(hosts[n.name].check_output("hostname") for n in nodes)
    assert sorted(run.stdout.split()) == expected


def _distributed(inventory, cluster, *args, timeout=900):
    return subprocess.run([sys.executable, "-m", "distributed", *args, "--inventory", inventory,
                           "--cluster", cluster.name], cwd=REPO, capture_output=True, text=True, timeout=timeout)


def test_nccl_tests_pass_the_threshold_on_sparks(cluster, hosts, inventory, tmp_path):
    nodes = _nodes(cluster)
    if not all(hosts[n.name].exists("nvidia-smi") for n in nodes):
        not_applicable("not every node has an NVIDIA GPU (nccl-tests run on Sparks)")
    run = _distributed(inventory, cluster, "nccl-tests", "--json", str(tmp_path / "nccl.json"))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def test_collectives_across_the_nodes_are_correct(cluster, inventory, tmp_path):
    nodes = _nodes(cluster)
    out = tmp_path / "collectives.json"
    run = _distributed(inventory, cluster, "collectives", "--min-bytes", "1K", "--max-bytes", "1M", "--iters", "5",
                       "--warmup", "1", "--json", str(out))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["status"] == "pass" and results["wrong_total"] == 0
    assert results["world_size"] == len(nodes)


def test_short_fsdp_training_across_the_nodes_lowers_the_loss(cluster, inventory, tmp_path):
    _nodes(cluster)
    out = tmp_path / "train.json"
    run = _distributed(inventory, cluster, "train", "--strategy", "fsdp", "--steps", "30", "--json", str(out))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    losses = json.loads(out.read_text())["losses"]
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5


def _hub_model_and_dataset(cluster) -> tuple[str, str]:
    """The first model and dataset the cluster's first node pre-downloads (level 4's hf_models / hf_datasets)."""
    spark = cluster.hosts[0]
    models = [m if isinstance(m, str) else m["repo"] for m in spark.setting("hf_models")
              if isinstance(m, str) or not m.get("gated")]
    datasets = [d if isinstance(d, str) else d["repo"] for d in spark.setting("hf_datasets")]
    if not models or not datasets:
        not_applicable("no ungated model and dataset in hf_models / hf_datasets")
    return models[0], datasets[0]


def _train(inventory, cluster, out, *args):
    run = _distributed(inventory, cluster, "train", *args, "--json", str(out))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.parametrize("strategy", ["fsdp", "deepspeed"])
def test_lora_fine_tune_of_a_hub_model_across_the_nodes(cluster, inventory, tmp_path, strategy):
    """Lab 6.3 with a real model: the cluster's first Hub model and dataset, LoRA, on every node; the adapter is
    saved. Then a run of 4 steps saves a checkpoint and a resume from it, across the nodes again, repeats the
    uninterrupted run's losses (the nodes share no storage: `distributed` makes the directory whole on each first)."""
    _nodes(cluster)
    model, dataset = _hub_model_and_dataset(cluster)
    common = ["--model", model, "--dataset", dataset, "--lora-r", "8", "--lr", "5e-3", "--strategy", strategy,
              "--seq-len", "256"]
    result = _train(inventory, cluster, tmp_path / "pair.json", *common, "--steps", "8")
    whole = result["losses"]
    assert sum(whole[-3:]) / 3 < sum(whole[:3]) / 3, whole
    assert result.get("saved"), "no adapter saved"
    checkpoints = f"/tmp/spark-lab-checkpoints-{strategy}-{tmp_path.name}"
    resuming = [*common, "--checkpoint-dir", checkpoints]
    part = _train(inventory, cluster, tmp_path / "part.json", *resuming, "--steps", "4")
    resumed = _train(inventory, cluster, tmp_path / "resumed.json", *resuming, "--steps", "8", "--resume")
    assert part["losses"] == whole[:4]
    assert resumed["losses"] == whole[4:], "a resume repeats the uninterrupted losses"
