"""Command lines the launcher runs: torchrun, docker run, mpirun, and the shell line that runs one over SSH.

Pure functions of their arguments, so the unit tests can pin every flag.
"""

import shlex

# NVIDIA's "NCCL for Two Sparks" playbook: mpirun reaches the other node over ssh without host key prompts.
NVIDIA_RSH_AGENT = "ssh -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no"
# Debian's and Ubuntu's default PATH, behind a venv's bin/ in host mode.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# NVIDIA's way to run the NGC PyTorch container on a Spark.
DOCKER_FLAGS = ["--network", "host", "--ipc=host", "--ulimit", "memlock=-1", "--ulimit", "stack=67108864"]


def comm_env(links: dict[str, str], master_addr: str, master_port: int, omp_threads: int) -> dict[str, str]:
    """Every rank's communication environment: the interface variables ``links``, rendezvous at ``master_addr``."""
    return {
        **links,
        "MASTER_ADDR": master_addr,
        "MASTER_PORT": str(master_port),
        "OMP_NUM_THREADS": str(omp_threads),
    }


def torchrun_argv(torchrun: list[str], nnodes: int, node_rank: int, nproc: int, master_addr: str,
                  master_port: int, timeout_s: int, worker: list[str]) -> list[str]:
    """Static rendezvous: node ranks are fixed, the store lives on ``master_addr``; no restarts."""
    return [
        *torchrun, f"--nnodes={nnodes}", f"--node-rank={node_rank}", f"--nproc-per-node={nproc}",
        f"--master-addr={master_addr}", f"--master-port={master_port}", f"--rdzv-conf=timeout={timeout_s}",
        "--max-restarts=0", "-m", "distributed.worker", *worker,
    ]


def docker_run_argv(image: str, name: str, repo: str, env: dict[str, str], gpus: str,
                    command: list[str]) -> list[str]:
    gpu_flags = ["--gpus", gpus] if gpus else []
    env_flags = [flag for key, value in env.items() for flag in ("-e", f"{key}={value}")]
    return ["docker", "run", "--rm", "--name", name, *gpu_flags, *DOCKER_FLAGS,
            "-v", f"{repo}:{repo}", "-w", repo, *env_flags, image, *command]


def mpirun_argv(np: int, hosts: list[str] | None, hostfile: str | None, export: list[str], program: list[str],
                allow_root: bool, rsh_agent: str | None = NVIDIA_RSH_AGENT,
                wdir: str | None = None) -> list[str]:
    """``mpirun -np N`` with ``-H a:1,b:1`` or ``--hostfile``; ``export`` names go to every rank (``-x``)."""
    argv = ["mpirun", "-np", str(np)]
    argv += ["--allow-run-as-root"] if allow_root else []
    argv += ["-H", ",".join(hosts)] if hosts else []
    argv += ["--hostfile", hostfile] if hostfile else []
    argv += ["--mca", "plm_rsh_agent", rsh_agent] if rsh_agent else []
    argv += ["--wdir", wdir] if wdir else []
    for name in export:
        argv += ["-x", name]
    return argv + program


def shell_line(argv: list[str], env: dict[str, str] | None = None, cwd: str | None = None,
               user: str | None = None) -> str:
    """One shell line for SSH: cd, then exec (so signals reach the program itself) with ``env``, as ``user``
    when given (sudo without a prompt; before env, which sudo would otherwise reset)."""
    parts = [f"cd {shlex.quote(cwd)} &&"] if cwd else []
    parts.append("exec")
    if user:
        parts += ["sudo", "-n", "-u", shlex.quote(user), "-H"]
    if env:
        parts += ["env", *(shlex.quote(f"{key}={value}") for key, value in env.items())]
    return " ".join(parts + [shlex.quote(arg) for arg in argv])
