"""Exact command lines: torchrun per node (host and container mode), mpirun with a hostfile, nccl-tests' mpirun."""

import argparse
import shlex
import sys
from pathlib import Path

import pytest

from distributed import launch, nccl_tests
from distributed.cluster import UsageError, nodes_from_inventory, nodes_from_lab
from distributed.options import add_options, worker_argv
from roles import knob_defaults
from sparklab.inventory import validate_hosts

REPO = Path(__file__).resolve().parents[3]
WORKER = ["collectives", "--backend", "gloo"]
COMM_ENV = ["NCCL_SOCKET_IFNAME=qsfp0", "GLOO_SOCKET_IFNAME=qsfp0", "UCX_NET_DEVICES=qsfp0",
            "OMPI_MCA_btl_tcp_if_include=qsfp0", "MASTER_ADDR=192.168.100.10", "MASTER_PORT=29500", "OMP_NUM_THREADS=1"]
NVIDIA_RSH = "ssh -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no"


def sim_pair(lab_user="student", **data):
    """Two hosts as the simulated lab's contract has them (docs/lab-contract.md)."""
    def host(index):
        return (f"spark-sim-{index}", {
            "lab_user": lab_user, "ssh_hostname": f"10.99.0.1{index}", "ssh_user": "root",
            "ssh_key": "/var/lib/sparklab-sim/ssh/id_ed25519",
            "qsfp_interfaces": [{"name": "qsfp0", "address": f"192.168.100.{9 + index}/24", "mtu": 9000}], **data,
        })
    return nodes_from_lab(validate_hosts([host(1), host(2)], knob_defaults()))


def test_torchrun_per_node_in_host_mode():
    jobs = launch.torchrun_jobs(WORKER, sim_pair(), 1, 300, "RUN")
    assert [(job.host, job.node.ssh["ssh_hostname"], job.cleanup) for job in jobs] == [
        ("spark-sim-1", "10.99.0.11", None), ("spark-sim-2", "10.99.0.12", None)]
    assert jobs[1].command == (
        "cd /opt/spark-lab && exec env NCCL_SOCKET_IFNAME=qsfp0 GLOO_SOCKET_IFNAME=qsfp0 UCX_NET_DEVICES=qsfp0 "
        "OMPI_MCA_btl_tcp_if_include=qsfp0 MASTER_ADDR=192.168.100.10 MASTER_PORT=29500 OMP_NUM_THREADS=1 "
        "/opt/spark-lab/.venv/bin/torchrun --nnodes=2 --node-rank=1 --nproc-per-node=1 "
        "--master-addr=192.168.100.10 --master-port=29500 --rdzv-conf=timeout=300 --max-restarts=0 "
        "-m distributed.worker collectives --backend gloo")
    assert "--node-rank=0" in jobs[0].command


def test_torchrun_in_nvidias_container():
    nodes = sim_pair(distributed_mode="container", distributed_master_port=29600, distributed_omp_num_threads=4)
    jobs = launch.torchrun_jobs(WORKER, nodes, 2, 60, "RUN")
    env = [e.replace("29500", "29600").replace("THREADS=1", "THREADS=4") for e in COMM_ENV]
    assert shlex.split(jobs[0].command) == [
        "exec", "docker", "run", "--rm", "--name", "sparklab-distributed-RUN", "--gpus", "all",
        "--network", "host", "--ipc=host", "--ulimit", "memlock=-1", "--ulimit", "stack=67108864",
        "-v", "/opt/spark-lab:/opt/spark-lab", "-w", "/opt/spark-lab", *[f for e in env for f in ("-e", e)],
        "nvcr.io/nvidia/pytorch:25.11-py3",
        "torchrun", "--nnodes=2", "--node-rank=0", "--nproc-per-node=2", "--master-addr=192.168.100.10",
        "--master-port=29600", "--rdzv-conf=timeout=60", "--max-restarts=0", "-m", "distributed.worker", *WORKER]
    assert jobs[0].cleanup == "docker rm -f sparklab-distributed-RUN"


def test_container_without_gpus_drops_the_flag():
    (job, _) = launch.torchrun_jobs(WORKER, sim_pair(distributed_mode="container", distributed_container_gpus=""),
                                    1, 60, "RUN")
    assert "--gpus" not in shlex.split(job.command)


def test_mpirun_with_a_hostfile_from_the_inventory():
    """As the lab user (ssh is root in the simulated lab): the lab's ssh mesh lets that user reach every node."""
    (job,) = launch.inventory_jobs(WORKER, sim_pair(), 1, "mpirun", 300)
    run = job.command.split("/tmp/sparklab-hostfile-")[1].split()[0]
    assert job.host == "spark-sim-1"
    assert shlex.split(job.command) == [
        "printf", "%s\\n", "192.168.100.10 slots=1", "192.168.100.11 slots=1", ">", f"/tmp/sparklab-hostfile-{run}",
        "&&", "cd", "/opt/spark-lab", "&&", "exec", "sudo", "-n", "-u", "student", "-H", "env", *COMM_ENV,
        "mpirun", "-np", "2", "--hostfile", f"/tmp/sparklab-hostfile-{run}",
        "--mca", "plm_rsh_agent", NVIDIA_RSH, "--wdir", "/opt/spark-lab",
        *[f for e in COMM_ENV for f in ("-x", e.split("=")[0])],
        "/opt/spark-lab/.venv/bin/python", "-m", "distributed.worker", *WORKER]


def test_mpirun_as_root_says_so():
    (job,) = launch.inventory_jobs(WORKER, sim_pair(lab_user="root"), 2, "mpirun", 300)
    argv = shlex.split(job.command)
    assert "sudo" not in argv and argv[argv.index("mpirun"):][:4] == ["mpirun", "-np", "4", "--allow-run-as-root"]


def test_mpirun_refuses_container_mode():
    with pytest.raises(UsageError, match="host mode only"):
        launch.inventory_jobs(WORKER, sim_pair(distributed_mode="container"), 1, "mpirun", 300)


def test_nccl_tests_the_way_nvidias_playbook_runs_them():
    lab = validate_hosts([
        (f"spark-{i}", {"lab_user": "nvidia", "ssh_user": "nvidia", "ssh_hostname": f"spark-{i}.local",
                        "qsfp_interfaces": [{"name": "enp1s0f1np1", "address": f"192.168.100.{9 + i}/24"},
                                            {"name": "enP2p1s0f1np1", "address": f"192.168.101.{9 + i}/24"}]})
        for i in (1, 2)], knob_defaults())
    binary = nccl_tests.binary_argv("/opt/nccl-tests", "all_gather", 16 << 30, 16 << 30, 2, None, None)
    job = nccl_tests.inventory_job(nodes_from_lab(lab), binary)
    assert job.host == "spark-1"
    assert job.command == (
        "exec env LD_LIBRARY_PATH=/opt/nccl/build/lib:/usr/local/cuda/lib64:/usr/lib/aarch64-linux-gnu/openmpi/lib "
        "NCCL_SOCKET_IFNAME=enp1s0f1np1 UCX_NET_DEVICES=enp1s0f1np1 OMPI_MCA_btl_tcp_if_include=enp1s0f1np1 "
        "mpirun -np 2 -H 192.168.100.10:1,192.168.100.11:1 "
        "--mca plm_rsh_agent 'ssh -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no' "
        "-x LD_LIBRARY_PATH -x NCCL_SOCKET_IFNAME -x UCX_NET_DEVICES -x OMPI_MCA_btl_tcp_if_include "
        "/opt/nccl-tests/build/all_gather_perf -b 17179869184 -e 17179869184 -f 2")


def test_nccl_tests_json_and_iterations():
    assert nccl_tests.binary_argv("/n", "all_reduce", 8, 1024, 4, 5, "/tmp/x.json") == [
        "/n/build/all_reduce_perf", "-b", "8", "-e", "1024", "-f", "4", "-n", "5", "-J", "/tmp/x.json"]


def test_local_torchrun_over_loopback():
    (job,) = launch.local_jobs(WORKER, 2, "torchrun", 120)
    port = job.env["MASTER_PORT"]
    assert job.argv == [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--node-rank=0",
                        "--nproc-per-node=2", "--master-addr=127.0.0.1", f"--master-port={port}",
                        "--rdzv-conf=timeout=120", "--max-restarts=0", "-m", "distributed.worker", *WORKER]
    assert job.env["GLOO_SOCKET_IFNAME"] == "lo" and job.env["MASTER_ADDR"] == "127.0.0.1"


def test_worker_options_survive_the_trip_to_the_ranks():
    parser = argparse.ArgumentParser()
    add_options(parser, "train")
    args = parser.parse_args(["--strategy", "deepspeed", "--zero-stage", "2", "--hsdp", "--steps", "7", "--lr", "0.01"])
    argv = worker_argv("train", args)
    assert argv[0] == "train" and "--hsdp" in argv and "--resume" not in argv and "--data" not in argv
    assert parser.parse_args(argv[1:]) == args
    parser = argparse.ArgumentParser()
    add_options(parser, "collectives")
    args = parser.parse_args(["--ops", "all_reduce,broadcast", "--max-bytes", "4M"])
    assert worker_argv("collectives", args)[worker_argv("collectives", args).index("--ops") + 1] == "all_reduce,broadcast"
    assert parser.parse_args(worker_argv("collectives", args)[1:]) == args


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
