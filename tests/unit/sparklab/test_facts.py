"""Fact parsers on canned command output (DGX OS outputs from tests/plan/dgx_os, others as the tools print them)."""

from pathlib import Path

from sparklab.facts import (
    DgxRelease,
    DockerDaemonConfig,
    DockerLogins,
    KnownHostNames,
    ListeningTcpPorts,
    NetworkLinks,
    NvidiaGpus,
    OllamaModels,
    PipFreeze,
    TailscaleBackendState,
    is_spark,
)

DGX_OS = Path(__file__).resolve().parents[2] / "plan" / "dgx_os"


def lines(name: str) -> list[str]:
    return (DGX_OS / name).read_text().splitlines()


def test_dgx_release_names_a_spark():
    release = DgxRelease().process(lines("dgx-release"))
    assert release["DGX_PRETTY_NAME"] == "NVIDIA DGX Spark" and is_spark(release)
    assert not is_spark(DgxRelease().process([]))


def test_nvidia_gpus_from_nvidia_smi_list():
    assert NvidiaGpus().process(lines("nvidia-smi-L")) == ["NVIDIA GB10"]
    assert NvidiaGpus().process(["No devices were found"]) == []


def test_links_from_ibdev2netdev_and_ip_link():
    assert NetworkLinks().process(lines("ibdev2netdev")) == {
        "enP2p1s0f0np0": "Down", "enP2p1s0f1np1": "Up", "enp1s0f0np0": "Down", "enp1s0f1np1": "Up"}
    ip_link = [
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000",
        "2: host0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT",
        "3: qsfp0@if6: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 9000 qdisc noqueue state DOWN mode DEFAULT",
    ]
    assert NetworkLinks().process(ip_link) == {"lo": "Up", "host0": "Up", "qsfp0": "Down"}


def test_listening_ports():
    assert ListeningTcpPorts().process(lines("ss-ltnH")) == {22, 11000}


def test_daemon_json_and_docker_logins():
    assert DockerDaemonConfig().process([]) == {}
    assert DockerDaemonConfig().process(['{"runtimes": {"nvidia": {"path": "nvidia-container-runtime"}}}']) == {
        "runtimes": {"nvidia": {"path": "nvidia-container-runtime"}}}
    assert DockerLogins().process(['{"auths": {"nvcr.io": {"auth": "x"}}}']) == ["nvcr.io"]
    assert DockerLogins().process(["not json"]) == []


def test_known_host_names_split_aliases():
    output = ["192.168.100.11", "spark-2", "spark-2-qsfp", "192.168.101.11"]
    assert KnownHostNames().process(output) == set(output)


def test_pip_freeze_keeps_local_version_labels():
    frozen = PipFreeze().process(["torch==2.13.0+cpu", "nvidia_ml_py==13.615.71", "-e git+https://x#egg=y"])
    assert frozen == {"torch==2.13.0+cpu", "nvidia-ml-py==13.615.71"}


def test_tailscale_backend_state():
    assert TailscaleBackendState().process(['{"BackendState": "Running", "Self": {}}']) == "Running"
    assert TailscaleBackendState().process([]) is None


def test_ollama_models_from_api_tags():
    tags = ('{"models":[{"name":"qwen2.5:32b","model":"qwen2.5:32b","size":19851349856},'
            '{"name":"library/llama3:latest"},{"name":"gpt-oss"}]}')
    assert OllamaModels().process([tags]) == {"qwen2.5:32b", "library/llama3:latest", "gpt-oss:latest"}
    assert OllamaModels().process([]) == set(), "Ollama not running yet"
    assert OllamaModels().process(["<html>502</html>"]) == set()
