"""Fact parsers on canned command output (DGX OS outputs from tests/plan/dgx_os, others as the tools print them);
the commands that do part of the work in the shell run here on real files."""

import base64
import hashlib
import hmac
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from pyinfra.facts.server import LinuxDistribution

from sparklab.facts import (
    DgxRelease,
    DockerDaemonConfig,
    DockerLogins,
    FileText,
    KnownHostKeys,
    ListeningTcpPorts,
    ManagedUnits,
    NetworkLinks,
    NvidiaGpus,
    OllamaModels,
    ScannedHostKeys,
    TailscaleBackendState,
    UserGroups,
    VenvPackages,
    is_spark,
    normalize_pin,
    os_codename,
)

DGX_OS = Path(__file__).resolve().parents[2] / "plan" / "dgx_os"


def lines(name: str) -> list[str]:
    return (DGX_OS / name).read_text().splitlines()


def test_dgx_release_names_a_spark():
    release = DgxRelease().process(lines("dgx-release"))
    assert release["DGX_PRETTY_NAME"] == "NVIDIA DGX Spark" and is_spark(release)
    assert not is_spark(DgxRelease().process([]))


def test_os_codename_from_pyinfras_linux_distribution():
    """DGX OS 7's /etc/*-release files as pyinfra's LinuxDistribution prints them, and Debian 12's os-release."""
    etc = [line for name in ("dgx-release", "lsb-release", "os-release")
           for line in [f"/etc/{name}", *lines(name), "---"]]
    assert os_codename(LinuxDistribution().process(etc)) == "noble"
    bookworm = ["/etc/os-release", 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"', 'NAME="Debian GNU/Linux"',
                'VERSION_ID="12"', 'VERSION="12 (bookworm)"', "VERSION_CODENAME=bookworm", "ID=debian", "---"]
    assert os_codename(LinuxDistribution().process(bookworm)) == "bookworm"


def test_nvidia_gpus_from_nvidia_smi_list():
    assert NvidiaGpus().process(lines("nvidia-smi-L")) == ["NVIDIA GB10"]
    assert NvidiaGpus().process(["No devices were found"]) == []


def test_links_from_ibdev2netdev_on_a_spark_else_ip_link(sh, fake_tools, monkeypatch):
    """The fact's command picks the tool in the shell: run it with stand-ins that print the real outputs."""
    monkeypatch.setenv("PATH", str(fake_tools.folder))  # only the stand-ins (a Spark's own ibdev2netdev stays out)
    fake_tools.add("ip", (
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n"
        "2: host0@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT\n"
        "3: qsfp0@if6: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 9000 qdisc noqueue state DOWN mode DEFAULT\n"
    ))
    assert NetworkLinks().process(sh(NetworkLinks.command)) == {"lo": "Up", "host0": "Up", "qsfp0": "Down"}
    fake_tools.add("ibdev2netdev", (DGX_OS / "ibdev2netdev").read_text())
    assert NetworkLinks().process(sh(NetworkLinks.command)) == {
        "enP2p1s0f0np0": "Down", "enP2p1s0f1np1": "Up", "enp1s0f0np0": "Down", "enp1s0f1np1": "Up"}


def test_listening_ports():
    assert ListeningTcpPorts().process(lines("ss-ltnH")) == {22, 11000}


def test_daemon_json_and_docker_logins():
    assert DockerDaemonConfig().process([]) == {}
    assert DockerDaemonConfig().process(['{"runtimes": {"nvidia": {"path": "nvidia-container-runtime"}}}']) == {
        "runtimes": {"nvidia": {"path": "nvidia-container-runtime"}}}
    assert DockerLogins().process(['{"auths": {"nvcr.io": {"auth": "x"}}}']) == ["nvcr.io"]
    assert DockerLogins().process(["not json"]) == []


KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlanTestKeyOnly"


def hashed(name: str, salt: bytes) -> str:
    """A name as OpenSSH's HashKnownHosts writes it: |1|base64(salt)|base64(HMAC-SHA1(salt, name))."""
    digest = hmac.new(salt, name.encode(), hashlib.sha1).digest()
    return f"|1|{base64.b64encode(salt).decode()}|{base64.b64encode(digest).decode()}"


def test_known_host_keys_split_aliases(tmp_path, sh):
    known_hosts = tmp_path / "known_hosts"
    spark_3 = hashed("spark-3", bytes(range(20)))
    known_hosts.write_text(f"192.168.100.11,spark-2,spark-2-qsfp {KEY}\n192.168.101.11,spark-2-qsfp1 {KEY}\n"
                           f"{spark_3} {KEY}\nspark-2 ssh-rsa AAAAB3Nza\n")
    keys = KnownHostKeys().process(sh(KnownHostKeys().command(str(known_hosts))))
    # A hashed entry names no host in clear: its host is not "listed", so its key is written again.
    assert keys == {**dict.fromkeys(["192.168.100.11", "spark-2-qsfp", "192.168.101.11", "spark-2-qsfp1"], {KEY}),
                    "spark-2": {KEY, "ssh-rsa AAAAB3Nza"}}
    assert spark_3 not in keys
    assert KnownHostKeys().process(sh(KnownHostKeys().command(str(tmp_path / "missing")))) == {}


def test_scanned_host_keys_keep_the_addresses_that_answered():
    output = ["# 192.168.100.11:22 SSH-2.0-OpenSSH_9.2p1", f"192.168.100.11 {KEY}", ""]
    assert ScannedHostKeys().process(output) == {"192.168.100.11": KEY}
    command = ScannedHostKeys().command(("192.168.100.11", "a b"))
    assert command == ("ssh-keyscan -T 5 -t ed25519 192.168.100.11 2>/dev/null; "
                       "ssh-keyscan -T 5 -t ed25519 'a b' 2>/dev/null; true")


ODD_DIR = "lab dir;touch injected;"  # unquoted, the shell would run `touch injected`


@pytest.mark.parametrize("fact, name, text, expected", [
    (FileText, "jupyterlab_ports.yaml", "nvidia: 18888\n", "nvidia: 18888"),
    (DockerLogins, "config.json", '{"auths": {"nvcr.io": {"auth": "x"}}}\n', ["nvcr.io"]),
    (KnownHostKeys, "known_hosts", f"192.168.100.11,spark-2 {KEY}\n", {"192.168.100.11": {KEY}, "spark-2": {KEY}}),
], ids=["FileText", "DockerLogins", "KnownHostKeys"])
def test_paths_are_quoted(tmp_path, sh, fact, name, text, expected):
    path = tmp_path / ODD_DIR / name
    path.parent.mkdir()
    path.write_text(text)
    command = fact().command(str(path))
    assert shlex.quote(str(path)) in command
    assert fact().process(sh(command)) == expected
    assert not (tmp_path / "injected").exists()


def test_venv_packages_read_in_a_quoted_venv_path(tmp_path, sh):
    venv = tmp_path / ODD_DIR
    site = venv / "lib" / "python3.12" / "site-packages"
    for dist in ("torch-2.13.0+cpu", "nvidia_ml_py-13.615.71", "Jinja2-3.1.6"):
        (site / f"{dist}.dist-info").mkdir(parents=True)
    (site / "torch").mkdir()
    command = VenvPackages().command(str(venv))
    assert shlex.quote(str(venv)) in command
    assert VenvPackages().process(sh(command)) == {"torch==2.13.0+cpu", "nvidia-ml-py==13.615.71", "jinja2==3.1.6"}
    assert not (tmp_path / "injected").exists()
    assert VenvPackages().process(sh(VenvPackages().command(str(tmp_path / "no-venv")))) == set()


def test_venv_packages_match_pip_freeze_in_a_real_venv():
    """The pins pip itself reports for this test run's venv, read the cheap way."""
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--all"], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    venv = str(Path(sys.prefix))
    listed = VenvPackages().process(subprocess.run(["sh", "-c", VenvPackages().command(venv)], capture_output=True,
                                                   text=True, check=True).stdout.splitlines())
    pinned = {normalize_pin(line) for line in frozen if "==" in line}
    from_urls = {normalize_pin(line.split(" @ ")[0] + "==").split("==")[0] for line in frozen if " @ " in line}
    assert pinned <= listed
    assert {pin.split("==")[0] for pin in listed - pinned} == from_urls, "freeze shows those as `name @ url`"


def test_tailscale_backend_state():
    assert TailscaleBackendState().process(['{"BackendState": "Running", "Self": {}}']) == "Running"
    assert TailscaleBackendState().process([]) is None


def test_ollama_models_from_api_tags():
    tags = ('{"models":[{"name":"qwen2.5:32b","model":"qwen2.5:32b","size":19851349856},'
            '{"name":"library/llama3:latest"},{"name":"gpt-oss"}]}')
    assert OllamaModels().process([tags]) == {"qwen2.5:32b", "library/llama3:latest", "gpt-oss:latest"}
    assert OllamaModels().process([]) == set(), "Ollama not running yet"
    assert OllamaModels().process(["<html>502</html>"]) == set()


def test_managed_units_are_the_unit_files_with_our_mark(tmp_path, sh):
    units = tmp_path / ODD_DIR
    units.mkdir()
    (units / "engine-vllm.service").write_text("# Managed by spark-lab (sparklab/owned_units.py)\n[Unit]\n")
    (units / "ollama.service").write_text("# Managed by spark-lab (roles/ollama.py)\n")
    (units / "ssh.service").write_text("[Unit]\nDescription=OpenBSD Secure Shell server\n")
    (units / "engine-vllm.service.d").mkdir()
    command = ManagedUnits().command(str(units), "Managed by spark-lab")
    assert ManagedUnits().process(sh(command)) == ["engine-vllm", "ollama"]
    assert not (tmp_path / "injected").exists()
    assert ManagedUnits().process(sh(ManagedUnits().command(str(tmp_path / "none"), "x"))) == []


def test_user_groups_from_id():
    assert UserGroups().process(["student sudo docker"]) == {"student", "sudo", "docker"}
    assert UserGroups().process([]) == set()
    assert UserGroups().command("a b") == "id -nG 'a b' 2>/dev/null || true"
