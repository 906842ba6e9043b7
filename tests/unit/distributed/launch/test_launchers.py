"""Exact command lines: torchrun per node (host and container mode), mpirun with a hostfile, nccl-tests' mpirun."""

import shlex
import sys
from pathlib import Path

import pytest

from distributed.launch import launchers
from distributed.launch.cluster import nodes_from_lab
from roles import knob_defaults
from sparklab.inventory import validate_hosts
from sparklab.toolcli import UsageError

REPO = Path(__file__).resolve().parents[4]
WORKER = ["collectives", "--backend", "gloo"]
COMM_ENV = ["NCCL_SOCKET_IFNAME=qsfp0", "UCX_NET_DEVICES=qsfp0", "OMPI_MCA_btl_tcp_if_include=qsfp0",
            "GLOO_SOCKET_IFNAME=qsfp0", "MASTER_ADDR=192.168.100.10", "MASTER_PORT=29500", "OMP_NUM_THREADS=1"]
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
    jobs = launchers.torchrun_jobs(WORKER, sim_pair(), 1, 300, "RUN")
    assert [(job.host, job.node.ssh["ssh_hostname"], job.cleanup) for job in jobs] == [
        ("spark-sim-1", "10.99.0.11", None), ("spark-sim-2", "10.99.0.12", None)]
    assert jobs[1].command == (
        "cd /opt/spark-lab && exec env NCCL_SOCKET_IFNAME=qsfp0 UCX_NET_DEVICES=qsfp0 "
        "OMPI_MCA_btl_tcp_if_include=qsfp0 GLOO_SOCKET_IFNAME=qsfp0 MASTER_ADDR=192.168.100.10 MASTER_PORT=29500 "
        "OMP_NUM_THREADS=1 PATH=/opt/spark-lab/.venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "
        "/opt/spark-lab/.venv/bin/torchrun --nnodes=2 --node-rank=1 --nproc-per-node=1 "
        "--master-addr=192.168.100.10 --master-port=29500 --rdzv-conf=timeout=300 --max-restarts=0 "
        "-m distributed.worker collectives --backend gloo")
    assert "--node-rank=0" in jobs[0].command


def test_torchrun_in_nvidias_container():
    nodes = sim_pair(distributed_mode="container", distributed_master_port=29600, distributed_omp_num_threads=4)
    jobs = launchers.torchrun_jobs(WORKER, nodes, 2, 60, "RUN")
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
    (job, _) = launchers.torchrun_jobs(WORKER, sim_pair(distributed_mode="container", distributed_container_gpus=""),
                                    1, 60, "RUN")
    assert "--gpus" not in shlex.split(job.command)


def test_mpirun_with_a_hostfile_from_the_inventory():
    """As the lab user (ssh is root in the simulated lab): the lab's ssh mesh lets that user reach every node."""
    (job,) = launchers.inventory_jobs(WORKER, sim_pair(), 1, "mpirun", 300)
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
    (job,) = launchers.inventory_jobs(WORKER, sim_pair(lab_user="root"), 2, "mpirun", 300)
    argv = shlex.split(job.command)
    assert "sudo" not in argv and argv[argv.index("mpirun"):][:4] == ["mpirun", "-np", "4", "--allow-run-as-root"]


def test_mpirun_refuses_container_mode():
    with pytest.raises(UsageError, match="host mode only"):
        launchers.inventory_jobs(WORKER, sim_pair(distributed_mode="container"), 1, "mpirun", 300)


def test_local_torchrun_over_loopback():
    (job,) = launchers.local_jobs(WORKER, 2, "torchrun", 120)
    port = job.env["MASTER_PORT"]
    assert job.argv == [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--node-rank=0",
                        "--nproc-per-node=2", "--master-addr=127.0.0.1", f"--master-port={port}",
                        "--rdzv-conf=timeout=120", "--max-restarts=0", "-m", "distributed.worker", *WORKER]
    assert job.env["GLOO_SOCKET_IFNAME"] == "lo" and job.env["MASTER_ADDR"] == "127.0.0.1"


def test_ranks_download_from_the_inventorys_hub_mirror():
    jobs = launchers.torchrun_jobs(WORKER, sim_pair(hf_endpoint="http://10.99.0.1:8081",
                                                    hf_env={"HF_HUB_DISABLE_XET": "1"}), 1, 300, "RUN")
    assert all("HF_HUB_DISABLE_XET=1 HF_ENDPOINT=http://10.99.0.1:8081 " in job.command for job in jobs)
    assert "HF_ENDPOINT" not in launchers.torchrun_jobs(WORKER, sim_pair(), 1, 300, "RUN")[0].command
