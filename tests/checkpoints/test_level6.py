"""Level 6 checkpoint — multi-node: the QSFP link, the SSH mesh, MPI, and distributed jobs across the nodes.

Per node: addresses, MTU, a don't-fragment ping at the full MTU, passwordless SSH to every peer.
Once per lab (they need the pair): mpirun across the nodes, nccl-tests on Sparks, collectives and a
short FSDP training run everywhere.
"""

import json
import subprocess
import sys

import pytest

from sparklab.checkpoints import not_applicable
from sparklab.runner import REPO

pytestmark = pytest.mark.level(6)


def _peers(lab):
    return [h for h in lab.hosts if h.qsfp_interfaces]


def _needs_links(spark):
    if not spark.qsfp_interfaces:
        not_applicable("no qsfp_interfaces in the inventory")


def test_planned_addresses_and_mtu(host, spark):
    _needs_links(spark)
    for planned in spark.qsfp_interfaces:
        interface = host.interface(planned.name)
        assert interface.exists, planned.name
        assert str(planned.address.ip) in interface.addresses
        if planned.mtu:
            assert interface.link[0]["mtu"] == planned.mtu


def test_peers_answer_a_dont_fragment_ping_at_full_mtu(host, spark, lab):
    _needs_links(spark)
    for peer in _peers(lab):
        for mine, theirs in zip(spark.qsfp_interfaces, peer.qsfp_interfaces):
            payload = (mine.mtu or 1500) - 28  # IPv4 + ICMP headers
            run = host.run(f"ping -c 2 -W 2 -M do -s {payload} -I {mine.name} {theirs.address.ip}")
            assert run.rc == 0, f"{peer.name} {theirs.address.ip}: {run.stdout}{run.stderr}"


def test_lab_user_reaches_every_peer_without_password_or_prompt(host, spark, lab):
    _needs_links(spark)
    for peer in _peers(lab):
        for target in (str(peer.qsfp_interfaces[0].address.ip), peer.name, f"{peer.name}-qsfp"):
            run = host.run(f"sudo -u {spark.lab_user} -H ssh -o BatchMode=yes {target} hostname")
            assert run.rc == 0, f"{target}: {run.stderr}"


# --- once per lab ---------------------------------------------------------------------------------

def _first_node(lab):
    nodes = _peers(lab)
    if len(nodes) < 2:
        not_applicable("needs two nodes joined by QSFP links")
    return nodes


def test_mpirun_runs_on_every_node(lab, hosts):
    nodes = _first_node(lab)
    first = hosts[nodes[0].name]
    iface = nodes[0].qsfp_interfaces[0].name
    run = first.run(f"sudo -u {nodes[0].lab_user} -H mpirun -np {len(nodes)} "
                    f"--hostfile {nodes[0].setting('mpi_hostfile')} --mca btl_tcp_if_include {iface} hostname")
    assert run.rc == 0, run.stderr
    expected = sorted(hosts[n.name].check_output("hostname") for n in nodes)
    assert sorted(run.stdout.split()) == expected


def _distributed(inventory, *args, timeout=900):
    return subprocess.run([sys.executable, "-m", "distributed", *args, "--inventory", inventory],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)


def test_nccl_tests_pass_the_threshold_on_sparks(lab, hosts, inventory, tmp_path):
    nodes = _first_node(lab)
    if not all(hosts[n.name].exists("nvidia-smi") for n in nodes):
        not_applicable("not every node has an NVIDIA GPU (nccl-tests run on Sparks)")
    run = _distributed(inventory, "nccl-tests", "--json", str(tmp_path / "nccl.json"))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]


def test_collectives_across_the_nodes_are_correct(lab, inventory, tmp_path):
    _first_node(lab)
    out = tmp_path / "collectives.json"
    run = _distributed(inventory, "collectives", "--min-bytes", "1K", "--max-bytes", "1M", "--iters", "5",
                       "--warmup", "1", "--json", str(out))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["status"] == "pass" and results["wrong_total"] == 0
    assert results["world_size"] == len(_peers(lab))


def test_short_fsdp_training_across_the_nodes_lowers_the_loss(lab, inventory, tmp_path):
    _first_node(lab)
    out = tmp_path / "train.json"
    run = _distributed(inventory, "train", "--strategy", "fsdp", "--steps", "30", "--json", str(out))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    losses = json.loads(out.read_text())["losses"]
    assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5


def _hub_model_and_dataset(lab) -> tuple[str, str]:
    """The first model and dataset the inventory pre-downloads (level 4's hf_models / hf_datasets)."""
    spark = lab.hosts[0]
    models = [m if isinstance(m, str) else m["repo"] for m in spark.setting("hf_models")
              if isinstance(m, str) or not m.get("gated")]
    datasets = [d if isinstance(d, str) else d["repo"] for d in spark.setting("hf_datasets")]
    if not models or not datasets:
        not_applicable("no ungated model and dataset in hf_models / hf_datasets")
    return models[0], datasets[0]


def _train(inventory, out, *args):
    run = _distributed(inventory, "train", *args, "--json", str(out))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(out.read_text())


@pytest.mark.parametrize("strategy", ["fsdp", "deepspeed"])
def test_lora_fine_tune_of_a_hub_model_across_the_nodes(lab, inventory, tmp_path, strategy):
    """Lab 6.3 with a real model: the inventory's first Hub model and dataset, LoRA, on every node; the adapter is
    saved. Then a run of 4 steps saves a checkpoint and a resume from it, across the nodes again, repeats the
    uninterrupted run's losses (the nodes share no storage: `distributed` makes the directory whole on each first)."""
    _first_node(lab)
    model, dataset = _hub_model_and_dataset(lab)
    common = ["--model", model, "--dataset", dataset, "--lora-r", "8", "--lr", "5e-3", "--strategy", strategy,
              "--seq-len", "256"]
    result = _train(inventory, tmp_path / "pair.json", *common, "--steps", "8")
    whole = result["losses"]
    assert sum(whole[-3:]) / 3 < sum(whole[:3]) / 3, whole
    assert result.get("saved"), "no adapter saved"
    checkpoints = f"/tmp/spark-lab-checkpoints-{strategy}-{tmp_path.name}"
    part = _train(inventory, tmp_path / "part.json", *common, "--steps", "4", "--checkpoint-dir", checkpoints)
    resumed = _train(inventory, tmp_path / "resumed.json", *common, "--steps", "8", "--checkpoint-dir", checkpoints,
                     "--resume")
    assert part["losses"] == whole[:4]
    assert resumed["losses"] == whole[4:], "a resume repeats the uninterrupted losses"
