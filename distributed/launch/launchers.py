"""Start the ranks of a ``collectives`` or ``train`` run: locally, or on every inventory node.

Local: torchrun (or mpirun) on this machine over loopback. Inventory: torchrun on each node over SSH with a
static rendezvous on the first node's QSFP address, or one mpirun on the first node with a hostfile of QSFP
addresses. Host mode uses the venv at the same path on every node; container mode wraps torchrun in NVIDIA's
``docker run`` of the NGC PyTorch image with the repo mounted.
"""

import os
import shlex
import socket
import sys
import time

from distributed.launch import commands
from distributed.launch.jobs import Job
from sparklab.interconnect import interface_env
from sparklab.toolcli import UsageError, free_port


def run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}"


def local_jobs(worker: list[str], nproc: int, launcher: str, timeout_s: int) -> list[Job]:
    port = free_port()
    env = commands.comm_env(interface_env("lo"), "127.0.0.1", port, int(os.environ.get("OMP_NUM_THREADS", "1")))
    if launcher == "mpirun":
        program = [sys.executable, "-m", "distributed.worker", *worker]
        argv = commands.mpirun_argv(nproc, None, None, list(env), program, allow_root=os.geteuid() == 0,
                                    rsh_agent=None)
    else:
        argv = commands.torchrun_argv([sys.executable, "-m", "torch.distributed.run"], 1, 0, nproc,
                                      "127.0.0.1", port, timeout_s, worker)
    return [Job(socket.gethostname(), argv=argv, env=env)]


def _node_env(node, first) -> dict[str, str]:
    return {**commands.comm_env(node.env, first.address, first.knob("master_port"), node.knob("omp_num_threads")),
            **node.hub_env}


def _venv_path(node) -> dict[str, str]:
    """PATH with the node's venv first, as `activate` would: tools its packages run (DeepSpeed's JIT builds call
    `ninja`) come from the venv."""
    return {"PATH": f"{node.knob('venv')}/bin:{commands.SYSTEM_PATH}"}


def torchrun_jobs(worker: list[str], nodes: list, nproc: int, timeout_s: int, run: str) -> list[Job]:
    first, jobs = nodes[0], []
    for node_rank, node in enumerate(nodes):
        env, path = _node_env(node, first), node.knob("path")
        rendezvous = (len(nodes), node_rank, nproc, first.address, first.knob("master_port"), timeout_s,
                      worker)
        if node.knob("mode") == "container":
            name = f"sparklab-distributed-{run}"
            argv = commands.docker_run_argv(node.knob("pytorch_image"), name, path, env,
                                            node.knob("container_gpus"),
                                            commands.torchrun_argv(["torchrun"], *rendezvous))
            jobs.append(Job(node.name, command=commands.shell_line(argv), node=node,
                            cleanup=f"docker rm -f {name}"))
        elif node.knob("mode") == "host":
            argv = commands.torchrun_argv([f"{node.knob('venv')}/bin/torchrun"], *rendezvous)
            jobs.append(Job(node.name, command=commands.shell_line(argv, {**env, **_venv_path(node)}, cwd=path),
                            node=node))
        else:
            raise UsageError(f"host {node.name}: distributed_mode must be 'host' or 'container', "
                             f"not {node.knob('mode')!r}")
    return jobs


def mpirun_job(worker: list[str], nodes: list, nproc: int, run: str) -> Job:
    """One mpirun on the first node, as the lab user; Open MPI reaches the others over ssh on their QSFP
    addresses (the lab's ssh mesh)."""
    first = nodes[0]
    if any(node.knob("mode") != "host" for node in nodes):
        raise UsageError("--launcher mpirun runs in host mode only "
                         "(ranks in containers would need sshd in them)")
    hostfile = f"/tmp/sparklab-hostfile-{run}"
    lines = " ".join(shlex.quote(f"{node.address} slots={nproc}") for node in nodes)
    env = _node_env(first, first)
    program = [f"{first.knob('venv')}/bin/python", "-m", "distributed.worker", *worker]
    runs_as = first.mpi_user or first.ssh.get("ssh_user")
    argv = commands.mpirun_argv(len(nodes) * nproc, None, hostfile, list(env), program,
                                allow_root=runs_as == "root", wdir=first.knob("path"))
    command = f"printf '%s\\n' {lines} > {hostfile} && " + commands.shell_line(
        argv, env, cwd=first.knob("path"), user=first.mpi_user)
    return Job(first.name, command=command, node=first)


def inventory_jobs(worker: list[str], nodes: list, nproc: int, launcher: str, timeout_s: int) -> list[Job]:
    run = run_id()
    if launcher == "mpirun":
        return [mpirun_job(worker, nodes, nproc, run)]
    return torchrun_jobs(worker, nodes, nproc, timeout_s, run)
