"""The inventory path for real: torchrun started per node over SSH with fabric, static rendezvous, host-prefixed
logs, a node that fails stopping the other. The two "nodes" are this machine, reached through an sshd this test
starts on a free port (skipped without root or sshd), talking over loopback (127.0.0.1 and 127.0.0.2 on lo)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import get_type_hints

import pytest

from distributed.results import FailedRun
from sparklab.toolcli import free_port

REPO = Path(__file__).resolve().parents[4]
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
TORCHRUN = Path(sys.executable).with_name("torchrun")

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not Path(SSHD).exists() or not TORCHRUN.exists(),
                                reason="needs root, openssh-server's sshd and torchrun next to this python")


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    home = tmp_path_factory.mktemp("sshd")
    for name in ("host_key", "id_ed25519"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(home / name)], check=True)
    port = free_port()
    (home / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {home / 'host_key'}\n"
        f"AuthorizedKeysFile {home / 'id_ed25519.pub'}\nPermitRootLogin prohibit-password\n"
        f"PasswordAuthentication no\nUsePAM no\nStrictModes no\nPidFile {home / 'sshd.pid'}\n")
    (home / "known_hosts").write_text(f"[127.0.0.1]:{port} " + " ".join(
        (home / "host_key.pub").read_text().split()[:2]) + "\n")
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
    server = subprocess.Popen([SSHD, "-D", "-f", str(home / "sshd_config"), "-E", str(home / "sshd.log")])
    for _ in range(50):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield {"port": port, "home": home}
    server.terminate()
    server.wait(timeout=10)


def inventory(sshd, tmp_path, **node_b):
    path = tmp_path / "loop_pair.py"
    home = sshd["home"]
    path.write_text(f"""pair = (
    [
        ("node-a", {{"qsfp_interfaces": [{{"name": "lo", "address": "127.0.0.1/8"}}]}}),
        ("node-b", {{"qsfp_interfaces": [{{"name": "lo", "address": "127.0.0.2/8"}}], **{node_b!r}}}),
    ],
    {{
        "lab_user": "student", "ssh_hostname": "127.0.0.1", "ssh_port": {sshd['port']}, "ssh_user": "root",
        "ssh_key": "{home / 'id_ed25519'}", "ssh_known_hosts_file": "{home / 'known_hosts'}",
        "distributed_path": "{REPO}", "distributed_venv": "{TORCHRUN.parent.parent}",
        "distributed_master_port": {free_port()},
    }},
)
""")
    return path


def distributed(tmp_path, *args):
    out = tmp_path / "out.json"
    done = subprocess.run([sys.executable, "-m", "distributed", *args, "--json", str(out),
                           "--run-dir", str(tmp_path / "runs")], cwd=REPO, capture_output=True, text=True, timeout=300)
    return done, json.loads(out.read_text())


def test_collectives_across_two_nodes_over_ssh(sshd, tmp_path):
    done, result = distributed(tmp_path, "collectives", "--inventory", str(inventory(sshd, tmp_path)),
                               "--backend", "gloo", "--ops", "all_reduce", "--min-bytes", "1K", "--max-bytes", "4K",
                               "--iters", "2")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert result["world_size"] == 2 and result["wrong_total"] == 0
    assert "[node-a] # Collective test starting: all_reduce_perf" in done.stdout


def test_a_node_that_fails_stops_the_other(sshd, tmp_path):
    began = time.monotonic()
    done, result = distributed(tmp_path, "collectives", "--inventory",
                               str(inventory(sshd, tmp_path, distributed_venv="/nonexistent")), "--backend", "gloo")
    assert done.returncode == 1 and time.monotonic() - began < 60
    assert result["error"].startswith("node-b exited with 127: env: '/nonexistent/bin/torchrun'")
    assert result["exit_codes"]["node-a"] != 0  # stopped while it waited at the rendezvous
    assert set(result) == set(get_type_hints(FailedRun))
