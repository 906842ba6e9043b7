"""The interconnect facts: one set of interface variables, NCCL paths by Debian architecture."""

import pytest

from sparklab import interconnect


def test_one_interface_for_every_library():
    assert interconnect.interface_env("enp1s0f1np1") == {
        "NCCL_SOCKET_IFNAME": "enp1s0f1np1", "UCX_NET_DEVICES": "enp1s0f1np1",
        "OMPI_MCA_btl_tcp_if_include": "enp1s0f1np1", "GLOO_SOCKET_IFNAME": "enp1s0f1np1"}


@pytest.mark.parametrize(("deb_arch", "multiarch"), [("arm64", "aarch64-linux-gnu"), ("amd64", "x86_64-linux-gnu")])
def test_nccl_library_path_follows_the_architecture(deb_arch, multiarch):
    assert interconnect.openmpi_home(deb_arch) == f"/usr/lib/{multiarch}/openmpi"
    # NVIDIA's playbook on a Spark: NCCL's build, CUDA, Open MPI.
    assert interconnect.nccl_library_path("/opt/nccl", "/usr/local/cuda", deb_arch) == (
        f"/opt/nccl/build/lib:/usr/local/cuda/lib64:/usr/lib/{multiarch}/openmpi/lib")


def test_node_env_follows_the_topology():
    qsfp = ["enp1s0f0np0", "enP2p1s0f0np0", "enp1s0f1np1", "enP2p1s0f1np1"]
    assert interconnect.node_env(interconnect.TOPOLOGIES["pair"], qsfp[2:], "enP7s7") == \
        interconnect.interface_env("enp1s0f1np1")
    ring = interconnect.node_env(interconnect.TOPOLOGIES["ring"], qsfp, "enP7s7")
    assert ring == {"NCCL_SOCKET_IFNAME": "enP7s7", "UCX_NET_DEVICES": "enP7s7",
                    "OMPI_MCA_btl_tcp_if_include": ",".join(qsfp), "GLOO_SOCKET_IFNAME": "enP7s7",
                    "NCCL_IB_HCA": "rocep1s0f0,rocep1s0f1,roceP2p1s0f0,roceP2p1s0f1",
                    "NCCL_IB_SUBNET_AWARE_ROUTING": "1", "NCCL_IB_MERGE_NICS": "0", "NCCL_NET_PLUGIN": "none"}


def test_pass_marks_are_nvidias_per_topology():
    marks = {name: t.nccl_threshold_gbps for name, t in interconnect.TOPOLOGIES.items()}
    assert marks == {"pair": 21.875, "ring": 10.0, "switch": 21.875}
