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
