"""nccl-tests binaries: NVIDIA's mpirun line, the binary's arguments, judging a run (mpirun's exit, -J file)."""

from pathlib import Path

from distributed.launch.cluster import nodes_from_lab
from distributed.nccl_tests import binaries
from roles import knob_defaults
from sparklab.interconnect import nccl_library_path
from sparklab.inventory import validate_hosts

OUTPUTS = Path(__file__).parent / "nccl_outputs"


def two_sparks(**data):
    return nodes_from_lab(validate_hosts([
        (f"spark-{i}", {"lab_user": "nvidia", "ssh_user": "nvidia", "ssh_hostname": f"spark-{i}.local",
                        "qsfp_interfaces": [{"name": "enp1s0f1np1", "address": f"192.168.100.{9 + i}/24"},
                                            {"name": "enP2p1s0f1np1", "address": f"192.168.101.{9 + i}/24"}],
                        **data})
        for i in (1, 2)], knob_defaults()))


def library_path(node, deb_arch):
    """What the driver hands to the job: derived from the NCCL role's knobs and the node's architecture."""
    return nccl_library_path(node.knobs["nccl_dir"], node.knobs["nccl_cuda_home"], deb_arch)


def test_nccl_tests_the_way_nvidias_playbook_runs_them():
    nodes = two_sparks()
    binary = binaries.binary_argv(nodes[0].knobs["nccl_tests_dir"], "all_gather", 16 << 30, 16 << 30, 2, None, None)
    job = binaries.inventory_job(nodes, binary, library_path(nodes[0], "arm64"))
    assert job.host == "spark-1"
    assert job.command == (
        "exec env LD_LIBRARY_PATH=/opt/nccl/build/lib:/usr/local/cuda/lib64:/usr/lib/aarch64-linux-gnu/openmpi/lib "
        "NCCL_SOCKET_IFNAME=enp1s0f1np1 UCX_NET_DEVICES=enp1s0f1np1 OMPI_MCA_btl_tcp_if_include=enp1s0f1np1 "
        "GLOO_SOCKET_IFNAME=enp1s0f1np1 "
        "mpirun -np 2 -H 192.168.100.10:1,192.168.100.11:1 "
        "--mca plm_rsh_agent 'ssh -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no' "
        "-x LD_LIBRARY_PATH -x NCCL_SOCKET_IFNAME -x UCX_NET_DEVICES -x OMPI_MCA_btl_tcp_if_include "
        "-x GLOO_SOCKET_IFNAME "
        "/opt/nccl-tests/build/all_gather_perf -b 17179869184 -e 17179869184 -f 2")


def test_paths_follow_the_nccl_roles_knobs_and_the_nodes_architecture():
    """One knob each (nccl_dir, nccl_tests_dir, nccl_cuda_home): what the role builds is what nccl-tests run."""
    (node, _) = two_sparks(nccl_dir="/srv/nccl", nccl_tests_dir="/srv/nccl-tests", nccl_cuda_home="/usr/local/cuda-13")
    assert library_path(node, "amd64") == (
        "/srv/nccl/build/lib:/usr/local/cuda-13/lib64:/usr/lib/x86_64-linux-gnu/openmpi/lib")
    binary = binaries.binary_argv(node.knobs["nccl_tests_dir"], "all_reduce", 8, 8, 2, None, None)
    assert binary[0] == "/srv/nccl-tests/build/all_reduce_perf"


def test_nccl_tests_json_and_iterations():
    assert binaries.binary_argv("/n", "all_reduce", 8, 1024, 4, 5, "/tmp/x.json") == [
        "/n/build/all_reduce_perf", "-b", "8", "-e", "1024", "-f", "4", "-n", "5", "-J", "/tmp/x.json"]


def test_a_failed_mpirun_fails_a_good_looking_run():
    text = (OUTPUTS / "all_gather_16G_two_sparks.txt").read_text()
    assert binaries.judge_run(text, None, 0, 21.875, 25.0)["verdict"]["exit_code"] == 0
    judged = binaries.judge_run(text, None, 1, 21.875, 25.0)
    assert judged["verdict"]["exit_code"] == 1 and judged["verdict"]["reasons"] == ["mpirun exited with 1"]


def test_json_is_judged_when_there_is_one():
    json_text = (OUTPUTS / "all_reduce_wrong.json").read_text()
    judged = binaries.judge_run("", json_text, 0, 21.875, 25.0)
    assert judged["source"] == "json" and judged["verdict"]["exit_code"] == 1
