"""The simulated lab itself: every host boots to `running`; up and down are idempotent and leave nothing."""

import json
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from simlab import config
from sparklab.inventory import load_lab
from sparklab.runner import REPO, SIM_INVENTORY, on_sim_host, simlab

pytestmark = pytest.mark.integration


def leftovers() -> list[str]:
    found = [line for line in Path("/proc/mounts").read_text().splitlines() if "sparklab-sim" in line]
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    found += [line.split(":")[1].strip() for line in links.splitlines() if "splab" in line]
    procs = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    found += [p for p in procs.splitlines() if p.startswith("systemd-nspawn") or "sparklab-sim" in p]
    if Path("/run/systemd/nspawn").exists():
        found += [str(p) for p in Path("/run/systemd/nspawn").iterdir()]
    return found


def test_every_host_is_running(sim_lab):
    run = subprocess.run([str(Path(sys.executable).with_name("pyinfra")), "-y", SIM_INVENTORY, "exec", "--",
                          "systemctl", "is-system-running"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    for host in ("spark-sim-1", "spark-sim-2"):
        assert f"[{host}] running" in run.stderr + run.stdout


def _docker_with_lab_registries(host: str, options: dict) -> None:
    """docker.io installed in ``host`` (through the apt proxy) with ``options`` merged into daemon.json."""
    install = on_sim_host(host, "command -v docker >/dev/null || DEBIAN_FRONTEND=noninteractive"
                                " apt-get install -y -q docker.io >/dev/null", timeout=300)
    assert install.returncode == 0, install.stderr
    text = on_sim_host(host, "cat /etc/docker/daemon.json 2>/dev/null").stdout
    current = json.loads(text) if text.strip() else {}
    if {**current, **options} != current:
        write = on_sim_host(host, f"mkdir -p /etc/docker && echo {shlex.quote(json.dumps({**current, **options}))}"
                                  " > /etc/docker/daemon.json && systemctl restart docker")
        assert write.returncode == 0, write.stderr


def test_engine_stand_in_pulled_by_its_real_name_answers_the_vm(sim_lab):
    """With the inventory's docker options, a host pulls stand-ins by their real names (nvcr.io, ghcr.io, Docker Hub
    through the registry mirror), and a vLLM stand-in started like the playbook answers /v1/models from the VM."""
    host, address = "spark-sim-1", config.Host(1).mgmt_ip
    _docker_with_lab_registries(host, load_lab(REPO / SIM_INVENTORY).host(host).setting("docker_daemon_options"))
    image = "nvcr.io/nvidia/vllm:26.05.post1-py3"
    pulls = on_sim_host(host, f"for i in {image} ghcr.io/open-webui/open-webui:main lmsysorg/sglang:latest-cu130;"
                              " do docker pull -q $i || exit 1; done")
    assert pulls.returncode == 0, pulls.stdout + pulls.stderr
    run = on_sim_host(host, "docker rm -f standin-check >/dev/null 2>&1; docker run -d --rm --name standin-check"
                            f" -p 8000:8000 {image} vllm serve openai/gpt-oss-20b --port 8000")
    assert run.returncode == 0, run.stderr
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://{address}:8000/v1/models", timeout=5) as r:
                    models = json.load(r)
                break
            except OSError:
                assert time.monotonic() < deadline, on_sim_host(host, "docker logs standin-check").stderr
                time.sleep(0.1)
        assert [m["id"] for m in models["data"]] == ["openai/gpt-oss-20b"]
    finally:
        on_sim_host(host, "docker stop standin-check")


def test_up_and_down_twice_leave_nothing_behind(sim_lab):
    for _ in range(2):
        down = simlab("down")
        assert down.returncode == 0, down.stderr
        assert leftovers() == []
        assert simlab("down").returncode == 0
        assert leftovers() == []
        up = simlab("up")
        assert up.returncode == 0, up.stderr
        assert simlab("up").returncode == 0
        assert simlab("status").returncode == 0
