"""NCCL built from a pinned tag for the GB10 (sm_121), and nccl-tests at a pinned commit with MPI=1,
as NVIDIA's "NCCL for Two Sparks" playbook does. Rebuilt only when a pin changes (a stamp file
holds the pins of the last build). GPU hosts only.

A ring of three builds NVIDIA's ring fork instead, as their cluster script does (`nccl_ring_*`). That fork is
published as a branch only, so its pin is the branch name until a commit is set in `nccl_ring_version`: the
build runs once and the stamp holds it, but a fresh host builds the branch's head of that day."""

from pyinfra import host, logger
from pyinfra.api import QuoteString, StringCommand, deploy
from pyinfra.facts.deb import DebArch
from pyinfra.operations import apt

from sparklab import interconnect
from sparklab.builds import pinned_build
from sparklab.facts import NvidiaGpus, static_fact
from sparklab.peers import this_cluster

DEFAULTS = {
    "nccl_version": "v2.28.9-1",
    "nccl_repo_url": "https://github.com/NVIDIA/nccl.git",
    # Ring clusters (spark_cluster_setup: `git clone -b dgxspark-3node-ring https://github.com/zyang-dev/nccl.git`).
    "nccl_ring_version": "dgxspark-3node-ring",
    "nccl_ring_repo_url": "https://github.com/zyang-dev/nccl.git",
    # -gencode for the GB10 (compute capability 12.1).
    "nccl_gencode": "-gencode=arch=compute_121,code=sm_121",
    "nccl_dir": interconnect.NCCL_DIR,
    # nccl-tests v2.19.6.
    "nccl_tests_commit": "a0b82b2",
    "nccl_tests_repo_url": "https://github.com/NVIDIA/nccl-tests.git",
    # Also where `python -m distributed nccl-tests` runs them from.
    "nccl_tests_dir": interconnect.NCCL_TESTS_DIR,
    "nccl_cuda_home": interconnect.CUDA_HOME,
}


@deploy("NCCL and nccl-tests", data_defaults=DEFAULTS)
def nccl():
    data = host.data
    if not static_fact(NvidiaGpus):
        logger.info(f"[{host.name}] NCCL build: not applicable (no NVIDIA GPU)")
        return
    mpi_home = interconnect.openmpi_home(static_fact(DebArch))
    apt.packages(name="Build tools", packages=["build-essential", "git"])
    cluster = this_cluster()
    ring = cluster is not None and cluster.topology.name == "ring"
    version, repo = (data.nccl_ring_version, data.nccl_ring_repo_url) if ring else (data.nccl_version,
                                                                                    data.nccl_repo_url)
    nccl_pins = f"{version} {data.nccl_gencode}" + (f" {repo}" if ring else "")
    pinned_build("NCCL", data.nccl_dir, nccl_pins, [
        StringCommand("git clone --depth 1 -b", QuoteString(version), QuoteString(repo),
                      QuoteString(data.nccl_dir)),
        StringCommand("make -C", QuoteString(data.nccl_dir), "-j$(nproc) src.build",
                      QuoteString(f"NVCC_GENCODE={data.nccl_gencode}"),
                      QuoteString(f"CUDA_HOME={data.nccl_cuda_home}")),
    ])
    # nccl-tests links against this NCCL: its stamp includes NCCL's pins, so an NCCL rebuild rebuilds it.
    pinned_build("nccl-tests", data.nccl_tests_dir, f"{data.nccl_tests_commit} {nccl_pins}", [
        StringCommand("git clone", QuoteString(data.nccl_tests_repo_url), QuoteString(data.nccl_tests_dir),
                      "&& git -C", QuoteString(data.nccl_tests_dir), "checkout", QuoteString(data.nccl_tests_commit)),
        StringCommand("make -C", QuoteString(data.nccl_tests_dir), "-j$(nproc) MPI=1",
                      QuoteString(f"MPI_HOME={mpi_home}"), QuoteString(f"CUDA_HOME={data.nccl_cuda_home}"),
                      QuoteString(f"NCCL_HOME={data.nccl_dir}/build")),
    ])
