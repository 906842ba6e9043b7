"""Lab services on the VM, each bound to the management bridge address only (never 0.0.0.0).

- apt-cacher-ng :3142 with its own minimal config; cache under $SPARKLAB_SIM_CACHE/apt-cacher-ng
- docker-registry :5000 and a second instance on :80 sharing storage under $SPARKLAB_SIM_CACHE/registry
- python http.server :8080 serving $SPARKLAB_SIM_STATE/mirror/
- the stand-in Hugging Face Hub (python -m simlab.hf_hub) :8081 serving $SPARKLAB_SIM_STATE/mirror/hub/
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import config, render
from .config import Paths
from .procs import alive, cmdline, find, log, read_pidfile, spawn, stop


@dataclass(frozen=True)
class Service:
    name: str
    port: int

    def dir(self, paths: Paths) -> Path:
        return paths.services_dir / self.name

    def pidfile(self, paths: Paths) -> Path:
        return self.dir(paths) / "pid"

    def logfile(self, paths: Paths) -> Path:
        return self.dir(paths) / "log"

    def marker(self, paths: Paths) -> str:
        """A string only this service's command line contains."""
        if self.name == "http":
            return f"http.server {config.HTTP_PORT} --bind {config.LAB_ADDR} --directory {paths.mirror_dir}"
        if self.name == "hf-hub":
            return f"simlab.hf_hub --bind {config.LAB_ADDR} --port {config.HF_HUB_PORT} --root {paths.mirror_dir}/hub"
        return str(self.dir(paths))


ACNG = Service("apt-cacher-ng", config.APT_PROXY_PORT)
REGISTRY = Service("registry", config.REGISTRY_PORTS[0])
REGISTRY80 = Service("registry-80", config.REGISTRY_PORTS[1])
HTTP = Service("http", config.HTTP_PORT)
HF_HUB = Service("hf-hub", config.HF_HUB_PORT)
ALL = (ACNG, REGISTRY, REGISTRY80, HTTP, HF_HUB)


def port_open(port: int, host: str = config.LAB_ADDR, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def running(svc: Service, paths: Paths) -> int | None:
    return read_pidfile(svc.pidfile(paths), svc.marker(paths))


def _argv(svc: Service, paths: Paths) -> list[str]:
    d = svc.dir(paths)
    if svc is ACNG:
        return ["apt-cacher-ng", "-c", str(d / "conf"), "ForeGround=1"]
    if svc in (REGISTRY, REGISTRY80):
        return ["docker-registry", "serve", str(d / "config.yml")]
    if svc is HTTP:
        return [sys.executable, "-m", "http.server", str(svc.port), "--bind", config.LAB_ADDR,
                "--directory", str(paths.mirror_dir)]
    if svc is HF_HUB:
        return [sys.executable, "-m", "simlab.hf_hub", "--bind", config.LAB_ADDR, "--port", str(svc.port),
                "--root", str(paths.mirror_dir / "hub")]
    raise ValueError(svc)


def _prepare(svc: Service, paths: Paths) -> None:
    d = svc.dir(paths)
    d.mkdir(parents=True, exist_ok=True)
    if svc is ACNG:
        paths.acng_cache.mkdir(parents=True, exist_ok=True)
        (d / "conf").mkdir(exist_ok=True)
        (d / "logs").mkdir(exist_ok=True)
        (d / "conf" / "acng.conf").write_text(render.acng_conf(paths.acng_cache, d / "logs", d))
    elif svc in (REGISTRY, REGISTRY80):
        paths.registry_storage.mkdir(parents=True, exist_ok=True)
        (d / "config.yml").write_text(render.registry_conf(paths.registry_storage, svc.port))
    elif svc in (HTTP, HF_HUB):
        paths.mirror_dir.mkdir(parents=True, exist_ok=True)


def start(svc: Service, paths: Paths, timeout: float = 15.0) -> None:
    if running(svc, paths) and port_open(svc.port):
        return
    stop_service(svc, paths)
    if port_open(svc.port):
        _stop_packaged_daemon(svc)
    if port_open(svc.port):
        raise RuntimeError(f"{config.LAB_ADDR}:{svc.port} is already taken by a process simlab did not "
                           f"start (a system {svc.name}?); stop it and retry")
    _prepare(svc, paths)
    if shutil.which(_argv(svc, paths)[0]) is None:
        raise RuntimeError(f"{_argv(svc, paths)[0]} not found: run `python -m simlab deps`")
    env = None
    if svc is HF_HUB:  # `python -m simlab.hf_hub` from this checkout, wherever the CLI was started
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    pid = spawn(_argv(svc, paths), svc.pidfile(paths), svc.logfile(paths), env=env)
    deadline = time.monotonic() + timeout
    while not port_open(svc.port):
        if not alive(pid):
            raise RuntimeError(f"{svc.name} exited at start; see {svc.logfile(paths)}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{svc.name} does not answer on {config.LAB_ADDR}:{svc.port} "
                               f"after {timeout:.0f}s; see {svc.logfile(paths)}")
        time.sleep(0.1)
    log(f"{svc.name} listening on {config.LAB_ADDR}:{svc.port} (pid {pid})")


# The Debian packages' own daemons (started by their postinst when installed without a policy-rc.d)
# listen on every address, the lab ports included: stop them through their init scripts.
PACKAGED = {ACNG.name: ("apt-cacher-ng", "/etc/init.d/apt-cacher-ng"),
            REGISTRY.name: ("docker-registry", "/etc/init.d/docker-registry"),
            REGISTRY80.name: ("docker-registry", "/etc/init.d/docker-registry")}


def listeners(port: int) -> list[int]:
    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True,
                         check=False).stdout
    return sorted({int(m) for m in re.findall(r"pid=(\d+)", out)})


def _stop_packaged_daemon(svc: Service) -> None:
    binary, init_script = PACKAGED.get(svc.name, ("", ""))
    holders = [p for p in listeners(svc.port)
               if binary and os.path.basename((cmdline(p) or [""])[0]) == binary]
    if holders and os.path.exists(init_script):
        log(f"the packaged {binary} daemon (pid {holders}) holds port {svc.port}: {init_script} stop")
        subprocess.run([init_script, "stop"], check=False)
        deadline = time.monotonic() + 10
        while port_open(svc.port) and time.monotonic() < deadline:
            time.sleep(0.2)


def stop_service(svc: Service, paths: Paths) -> None:
    pids = set(find(svc.marker(paths)))
    pid = running(svc, paths)
    if pid:
        pids.add(pid)
    if pids:
        log(f"stopping {svc.name} {sorted(pids)}")
        stop(sorted(pids), grace=10.0)
    svc.pidfile(paths).unlink(missing_ok=True)
