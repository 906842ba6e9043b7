"""``nccl-tests``: run NVIDIA's nccl-tests binaries across the inventory's Sparks the way NVIDIA's playbook
does, then parse and judge the output.

    mpirun -np 2 -H <node1>:1,<node2>:1 --mca plm_rsh_agent "ssh -o …" -x LD_LIBRARY_PATH \
        -x NCCL_SOCKET_IFNAME -x UCX_NET_DEVICES -x OMPI_MCA_btl_tcp_if_include \
        <nccl-tests>/build/all_gather_perf -b 16G -e 16G -f 2

started over SSH on the first node, with the interface of the inventory's first QSFP link (and
GLOO_SOCKET_IFNAME, which nccl-tests ignores: the interface variables are one set, ``sparklab.interconnect``).
"""

import contextlib
import os
import subprocess
from pathlib import Path

from distributed.launch import commands
from distributed.launch.jobs import Job
from distributed.nccl_tests import nccl_output, nccl_verdict
from distributed.results import JudgedRun
from sparklab.interconnect import interface_env
from sparklab.toolcli import FAIL, PASS, UsageError

TESTS = ("all_gather", "all_reduce", "reduce_scatter", "broadcast", "alltoall", "sendrecv", "reduce",
         "gather", "scatter", "hypercube")


def binary_argv(tests_dir: str, test: str, min_bytes: int, max_bytes: int, factor: int, iters: int | None,
                json_path: str | None) -> list[str]:
    argv = [f"{tests_dir}/build/{test}_perf", "-b", str(min_bytes), "-e", str(max_bytes), "-f", str(factor)]
    argv += ["-n", str(iters)] if iters else []
    return argv + (["-J", json_path] if json_path else [])


def nccl_env(links: dict[str, str], library_path: str) -> dict[str, str]:
    return {"LD_LIBRARY_PATH": library_path, **links}


def deb_arch(node=None) -> str:
    """The Debian architecture of ``node`` (over SSH) or of this machine, as the NCCL role's DebArch fact reads
    it: it names the Open MPI folder in nccl-tests' library path."""
    command = "dpkg --print-architecture"
    try:
        if node is None:
            return subprocess.run(command.split(), capture_output=True, text=True, check=True).stdout.strip()
        from distributed.launch.connections import connect

        with connect(node) as conn:
            return conn.run(command, hide=True, timeout=60).stdout.strip()
    except Exception as error:  # noqa: BLE001 - ssh, or no dpkg (nccl-tests need Debian's Open MPI anyway)
        where = node.name if node else "this machine"
        raise UsageError(f"cannot read the Debian architecture of {where}: {error}") from None


def inventory_job(nodes: list, binary: list[str], library_path: str, nproc: int = 1) -> Job:
    """``nproc`` ranks per node (one per Spark), -H with the nodes' addresses (QSFP; a ring's management ones, as
    NVIDIA's cluster script does), mpirun started on the first node as the lab user."""
    first = nodes[0]
    env = nccl_env(first.env, library_path)
    runs_as = first.mpi_user or first.ssh.get("ssh_user")
    hosts = [f"{node.address}:{nproc}" for node in nodes]
    argv = commands.mpirun_argv(len(nodes) * nproc, hosts, None, list(env), binary,
                                allow_root=runs_as == "root")
    return Job(first.name, command=commands.shell_line(argv, env, user=first.mpi_user), node=first)


def local_job(nproc: int, binary: list[str], library_path: str) -> Job:
    env = nccl_env(interface_env("lo"), library_path)
    argv = commands.mpirun_argv(nproc, None, None, list(env), binary, allow_root=os.geteuid() == 0,
                                rsh_agent=None)
    return Job("localhost", argv=argv, env=env)


def fetch_json(job: Job, path: str) -> str | None:
    """The -J file nccl-tests' rank 0 wrote on the node where mpirun ran (then removed), or None."""
    if job.node is None:
        file = Path(path)
        if not file.exists():
            return None
        text = file.read_text()
        file.unlink()
        return text
    from distributed.launch.connections import connect

    with contextlib.suppress(Exception), connect(job.node) as conn:
        done = conn.run(f"cat {path} && rm -f {path}", hide=True, warn=True, timeout=60)
        return done.stdout if done.ok else None
    return None


def judge_run(text: str, json_text: str | None, exit_code: int | None, threshold: float,
              line_rate: float) -> JudgedRun:
    """Parsed output (the -J file when there is one) and the verdict; a non-zero mpirun exit fails the run."""
    parsed = nccl_output.parse_json(json_text) if json_text else nccl_output.parse_text(text)
    verdict = nccl_verdict.judge(parsed, threshold, line_rate)
    said = [line.strip() for line in text.splitlines() if line.strip().strip("-")]
    if not parsed["rows"] and said:
        verdict["reasons"].append("last output: " + " / ".join(said[-5:]))
    if exit_code != 0 and verdict["exit_code"] == PASS:
        verdict.update(status="fail", exit_code=FAIL)
        verdict["reasons"].append(f"mpirun exited with {exit_code}")
    return {"parsed": parsed, "source": "json" if json_text else "text", "verdict": verdict}
