"""The Sparks' interconnect as the software on them sees it, in one place for the roles that install it and the
``distributed`` tools that use it: the variables that put NCCL, UCX, Open MPI and gloo on one interface, where
NCCL, nccl-tests and CUDA live and the library path nccl-tests runs with, and the bandwidth marks.
"""

# Debian architecture (``dpkg --print-architecture``, pyinfra's DebArch fact) → multiarch library folder.
MULTIARCH = {"arm64": "aarch64-linux-gnu", "amd64": "x86_64-linux-gnu"}

# Where the NCCL role builds (knobs nccl_dir, nccl_tests_dir, nccl_cuda_home; defaults here).
NCCL_DIR = "/opt/nccl"
NCCL_TESTS_DIR = "/opt/nccl-tests"  # built with `make MPI=1`: binaries in build/
CUDA_HOME = "/usr/local/cuda"

# Pass mark for nccl-tests' "Avg bus bandwidth" between two Sparks (GB/s): NVIDIA's cluster script
# (MIN_NCCL_TEST_BW, 175 Gbps).
NCCL_THRESHOLD_GBPS = 21.875
# One 200GbE QSFP link in GB/s: no bus bandwidth between two nodes can exceed it.
LINE_RATE_GBPS = 25.0


def interface_env(iface: str) -> dict[str, str]:
    """The variables that keep NCCL, UCX, Open MPI's TCP transport and gloo on ``iface`` (NVIDIA's playbook
    order, gloo last)."""
    return {
        "NCCL_SOCKET_IFNAME": iface,
        "UCX_NET_DEVICES": iface,
        "OMPI_MCA_btl_tcp_if_include": iface,
        "GLOO_SOCKET_IFNAME": iface,
    }


def openmpi_home(deb_arch: str) -> str:
    """Debian's Open MPI prefix (MPI_HOME for nccl-tests' build)."""
    return f"/usr/lib/{MULTIARCH[deb_arch]}/openmpi"


def nccl_library_path(nccl_dir: str, cuda_home: str, deb_arch: str) -> str:
    """LD_LIBRARY_PATH for nccl-tests, as NVIDIA's playbook sets it: NCCL's build, CUDA, Open MPI."""
    return f"{nccl_dir}/build/lib:{cuda_home}/lib64:{openmpi_home(deb_arch)}/lib"
