"""Level 6 planned on @fake hosts shaped like inventories/two_sparks.py, fed with real ibdev2netdev output."""

import re

import pytest
from planner import PEER_KEY, fake_hosts_like, plan

from sparklab.interconnect import nccl_library_path

# NVIDIA's file for node 1 (dgx-spark-playbooks, "Connect Two Sparks", step 3).
NVIDIA_NODE1 = """network:
  version: 2
  ethernets:
    enp1s0f1np1:
      addresses:
        - 192.168.100.10/24
      dhcp4: no
    enP2p1s0f1np1:
      addresses:
        - 192.168.101.10/24
      dhcp4: no
"""


def without_comments(text: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("#"))


@pytest.fixture(scope="module")
def planned(request):
    dgx_os = request.getfixturevalue("dgx_os_module")
    return plan(fake_hosts_like("inventories/two_sparks.py", dgx_os, users_authorized_key_files=[],
                                ssh_mesh_key_dir=str(request.getfixturevalue("mesh_dir"))), "deploys/level6.py")


@pytest.fixture(scope="module")
def mesh_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("mesh")


def ops(planned, host):
    return {op.name: op for op in planned[host]}


def test_netplan_is_nvidias_plan_byte_for_byte(planned):
    for host, node_1 in (("spark-1", NVIDIA_NODE1), ("spark-2", NVIDIA_NODE1.replace(".10/", ".11/"))):
        netplan = ops(planned, host)["QSFP link | netplan file"]
        upload = next(c for c in netplan.commands if isinstance(c, tuple))
        assert upload[2] == "/etc/netplan/40-cx7.yaml"
        assert without_comments(upload[1]) == node_1
        assert "chmod 600 /etc/netplan/40-cx7.yaml" in netplan.shell()


def test_nccl_built_from_the_pinned_tag_for_sm_121(planned):
    build = ops(planned, "spark-1")["NCCL and nccl-tests | Build NCCL"].shell()
    assert "git clone --depth 1 -b v2.28.9-1 https://github.com/NVIDIA/nccl.git /opt/nccl" in build
    assert "src.build NVCC_GENCODE=-gencode=arch=compute_121,code=sm_121" in build
    tests = ops(planned, "spark-1")["NCCL and nccl-tests | Build nccl-tests"].shell()
    assert "checkout a0b82b2" in tests and "MPI=1 MPI_HOME=/usr/lib/aarch64-linux-gnu/openmpi" in tests
    assert "NCCL_HOME=/opt/nccl/build" in tests


def test_peers_hostfile_and_mesh_cover_both_nodes(planned):
    spark1 = ops(planned, "spark-1")
    hosts_block = spark1["Peer names | QSFP names in /etc/hosts"].shell()
    for line in ("192.168.100.10 spark-1 spark-1-qsfp", "192.168.101.10 spark-1-qsfp1",
                 "192.168.100.11 spark-2 spark-2-qsfp", "192.168.101.11 spark-2-qsfp1"):
        assert line in hosts_block
    hostfile = next(c for c in spark1["OpenMPI | MPI hostfile"].commands if isinstance(c, tuple))[1]
    assert re.findall(r"^(\S+) slots=1$", hostfile, re.M) == ["192.168.100.10", "192.168.100.11"]
    known = spark1["SSH mesh | Peers' host keys in known_hosts"].shell()
    assert f"echo '192.168.100.11,spark-2,spark-2-qsfp {PEER_KEY}' >> /home/nvidia/.ssh/known_hosts" in known


def test_an_unplugged_cable_fails_the_host_before_anything_is_written(request, mesh_dir):
    dgx_os = dict(request.getfixturevalue("dgx_os_module"))
    dgx_os["ibdev2netdev"] = "rocep1s0f1 port 1 ==> enp1s0f1np1 (Up)"  # enP2p1s0f1np1 missing
    planned = plan(fake_hosts_like("inventories/two_sparks.py", dgx_os, users_authorized_key_files=[],
                                   ssh_mesh_key_dir=str(mesh_dir)), "deploys/level6.py")["spark-1"]
    first = planned[0]
    assert first.name == "QSFP preflight | QSFP interfaces present"
    assert "QSFP interface enP2p1s0f1np1 not found on @fake/spark-1" in first.shell()
    assert first.shell().endswith(">&2; exit 1")


def test_profile_holds_the_interface_variables_of_the_first_link(planned):
    profile = ops(planned, "spark-1")[
        "Distributed environment | Communication interfaces for NCCL, UCX, Open MPI and gloo, and the Hub"]
    upload = next(c for c in profile.commands if isinstance(c, tuple))
    assert upload[2] == "/etc/profile.d/spark-lab-distributed.sh"
    assert without_comments(upload[1]) == "".join(
        f"export {name}=enp1s0f1np1\n"
        for name in ("NCCL_SOCKET_IFNAME", "UCX_NET_DEVICES", "OMPI_MCA_btl_tcp_if_include", "GLOO_SOCKET_IFNAME"))


def test_nccl_paths_derive_from_the_knobs_and_the_debian_architecture(request, mesh_dir):
    """nccl-tests build against the arch's Open MPI (pyinfra's DebArch fact) in the dirs the knobs name: the
    same knobs and arch that give ``python -m distributed nccl-tests`` its binary and library path."""
    dgx_os = {**request.getfixturevalue("dgx_os_module"), "dpkg --print-architecture": "amd64"}
    planned = plan(fake_hosts_like("inventories/two_sparks.py", dgx_os, users_authorized_key_files=[],
                                   ssh_mesh_key_dir=str(mesh_dir), nccl_dir="/srv/nccl",
                                   nccl_tests_dir="/srv/nccl-tests"), "deploys/level6.py")
    tests = ops(planned, "spark-1")["NCCL and nccl-tests | Build nccl-tests"].shell()
    assert "make -C /srv/nccl-tests -j$(nproc) MPI=1 MPI_HOME=/usr/lib/x86_64-linux-gnu/openmpi" in tests
    assert "CUDA_HOME=/usr/local/cuda NCCL_HOME=/srv/nccl/build" in tests
    assert nccl_library_path("/srv/nccl", "/usr/local/cuda", "amd64") == (
        "/srv/nccl/build/lib:/usr/local/cuda/lib64:/usr/lib/x86_64-linux-gnu/openmpi/lib")
