"""up / down / status of the whole lab."""
from __future__ import annotations

import fcntl
import json
import os
import secrets as secrets_module
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from . import cgroups, config, net, rootfs, services
from . import hosts as hostmod
from .config import Host, Paths
from .procs import find, log, stop

VM_TOOLS = ("ip", "ss", "mount", "umount", "chroot", "tar", "debootstrap", "systemd-nspawn", "apt-cacher-ng",
            "docker-registry", "ssh", "ssh-keygen")
DEBIAN_PACKAGES = ("iproute2", "debootstrap", "systemd-container", "apt-cacher-ng", "docker-registry",
                   "openssh-client", "zstd", "tar", "mount")


@contextmanager
def locked(paths: Paths):
    paths.state.mkdir(parents=True, exist_ok=True)
    with open(paths.lock_file, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


def preflight(tools: tuple = VM_TOOLS) -> None:
    if os.geteuid() != 0:
        raise RuntimeError("simlab needs root (mounts, bridges, cgroups, systemd-nspawn)")
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise RuntimeError(f"missing on this machine: {' '.join(missing)}; run `python -m simlab deps`")


def _read_lab(paths: Paths) -> dict:
    try:
        return json.loads(paths.lab_file.read_text())
    except (OSError, ValueError):
        return {}


def _healthy(paths: Paths, layout: config.Layout) -> bool:
    lab = _read_lab(paths)
    hosts = layout.hosts
    if lab.get("topology") != layout.spec or lab.get("recipe") != rootfs.recipe_hash():
        return False
    if not all(services.running(s, paths) and services.port_open(s.port) for s in services.ALL):
        return False
    return all(hostmod.ready(paths, h)[0] for h in hosts)


def _mirror(paths: Paths) -> None:
    """The lab mirror's content (simlab/mirror/): files for :8080, images into the registry."""
    from simlab.mirror import registry_push, served_tree
    t0 = time.monotonic()
    served_tree.build(Path(paths.state) / "mirror")
    registry_push.push_images(f"{config.LAB_ADDR}:{config.REGISTRY_PORTS[0]}")
    log(f"mirror built and images pushed in {time.monotonic() - t0:.1f}s")


def summary(paths: Paths, hosts: list[Host], states: dict[Host, str]) -> str:
    lines = []
    for h in hosts:
        lines.append(f"{h.name}  {h.mgmt_ip}  {states.get(h, '?'):<10} ssh -i {paths.ssh_key} "
                     f"-o UserKnownHostsFile={paths.known_hosts} root@{h.mgmt_ip}")
    return "\n".join(lines)


def up(spec: str, timeout: float = 180.0, paths: Paths | None = None) -> str:
    """Bring the lab up in the topology ``spec`` (config.TOPOLOGY_HELP). A healthy lab of the same topology and
    recipe is left as it is; anything else (another topology, stale state after a reboot, a dead host) is torn
    down and re-created."""
    paths = paths or Paths.from_env()
    preflight()
    layout = config.layout(spec)
    hosts, n = list(layout.hosts), len(layout.hosts)
    with locked(paths):
        _ensure_lab_secrets(paths)  # a lab made before a stand-in was added gets it too
        if _healthy(paths, layout):
            log(f"lab already up as {spec}: hosts left as they are, mirror refreshed")
            _mirror(paths)
            return summary(paths, hosts, {h: "running" for h in hosts})
        if _read_lab(paths) or hostmod.all_nspawn_pids(paths) or net.lab_links() or \
                paths.hosts_dir.exists():
            log("existing lab is stale or different: re-creating it")
            _down(paths)
        t0 = time.monotonic()
        authorized_key = hostmod.ensure_client_key(paths)
        net.ensure_bridges(layout.bridges)
        services.start(services.ACNG, paths)
        how = rootfs.ensure(paths)
        log(f"rootfs ready ({how}) at {time.monotonic() - t0:.1f}s")
        services.start(services.REGISTRY, paths)
        services.start(services.REGISTRY80, paths)
        _mirror(paths)
        services.start(services.HTTP, paths)
        services.start(services.HF_HUB, paths)
        paths.hosts_dir.mkdir(parents=True, exist_ok=True)
        lines = [hostmod.prepare(paths, h, layout.nics_of(h), authorized_key) for h in hosts]
        tmp = paths.known_hosts.with_suffix(".tmp")
        tmp.write_text("".join(lines))
        os.replace(tmp, paths.known_hosts)
        paths.lab_file.write_text(json.dumps({"hosts": n, "topology": spec, "recipe": rootfs.recipe_hash(),
                                              "created": time.strftime("%Y-%m-%dT%H:%M:%S")}) + "\n")
        t1 = time.monotonic()
        for h in hosts:
            hostmod.boot(paths, h, layout.nics_of(h))
        states = hostmod.wait_ready(paths, hosts, timeout)
        log(f"{n} hosts running {time.monotonic() - t1:.1f}s after boot; "
            f"lab up in {time.monotonic() - t0:.1f}s")
        return summary(paths, hosts, states)


def rebuild(name: str, timeout: float = 180.0, paths: Paths | None = None) -> str:
    """Re-image one host of the running lab, as an instructor re-images a Spark: stopped, a fresh root filesystem
    (nothing deployed, an empty Docker), new SSH host keys, the same name, addresses and NICs. The operator's
    known_hosts gets the new key; the other hosts are untouched (their SSH mesh still holds the old key)."""
    paths = paths or Paths.from_env()
    preflight()
    with locked(paths):
        spec = _read_lab(paths).get("topology")
        if not spec:
            raise RuntimeError("no lab is up: run `python -m simlab up` first")
        layout = config.layout(spec)
        host = next((h for h in layout.hosts if h.name == name), None)
        if host is None:
            raise ValueError(f"no host {name} in the lab ({', '.join(h.name for h in layout.hosts)})")
        t0 = time.monotonic()
        stop(hostmod.nspawn_pids(paths, host), grace=10.0, second_term_after=20.0)
        hostmod.cleanup(paths, host)
        line = hostmod.prepare(paths, host, layout.nics_of(host), hostmod.ensure_client_key(paths))
        others = [kept for kept in paths.known_hosts.read_text().splitlines(keepends=True)
                  if not kept.startswith(f"{host.mgmt_ip},")]
        tmp = paths.known_hosts.with_suffix(".tmp")
        tmp.write_text("".join(others) + line)
        os.replace(tmp, paths.known_hosts)
        hostmod.boot(paths, host, layout.nics_of(host))
        states = hostmod.wait_ready(paths, [host], timeout)
        log(f"{name} re-imaged and running in {time.monotonic() - t0:.1f}s")
        return summary(paths, [host], states)


def _ensure_lab_secrets(paths: Paths) -> None:
    """Stand-ins for the secrets the sim inventory references (made once, 0600, random: lab only)."""
    paths.secrets_dir.mkdir(mode=0o700, exist_ok=True)
    for name, prefix in config.LAB_SECRET_FILES.items():
        path = paths.secrets_dir / name
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(prefix + secrets_module.token_hex(16) + "\n")


def _known_hosts_in_state(paths: Paths) -> list[Host]:
    n = _read_lab(paths).get("hosts", 0)
    found = {Host(i) for i in range(1, n + 1)}
    if paths.hosts_dir.is_dir():
        for d in paths.hosts_dir.iterdir():
            if d.name.startswith("spark-sim-") and d.name[10:].isdigit():
                found.add(Host(int(d.name[10:])))
    return sorted(found, key=lambda h: h.index)


def _down(paths: Paths) -> None:
    hosts = _known_hosts_in_state(paths)
    hostmod.stop_hosts(paths, hosts)
    for h in hosts:
        hostmod.cleanup(paths, h)
    # anything from a run whose state was lost (a wiped state dir, a crash between steps)
    if paths.hosts_dir.exists():
        hostmod.unmount_below(paths.hosts_dir)
    stale = cgroups.find_stale(config.LINK_PREFIX + "spark-sim-")
    if stale:
        log(f"removing stale cgroups: {stale}")
        cgroups.remove(stale)
    net.delete_links()
    for svc in reversed(services.ALL):
        services.stop_service(svc, paths)
    _clean_nspawn_run()
    for p in (paths.hosts_dir, paths.services_dir):
        if p.exists():
            shutil.rmtree(p)
    paths.lab_file.unlink(missing_ok=True)


def _clean_nspawn_run() -> None:
    """/run is on disk on these VMs: drop what nspawn left for our machines (and its image locks
    once no systemd-nspawn at all runs here), then the directories if empty."""
    run_dir = Path("/run/systemd/nspawn")
    for sub in ("propagate", "unix-export", "incoming"):
        d = run_dir / sub
        if d.is_dir():
            for e in d.iterdir():
                if e.name.startswith("spark-sim-"):
                    shutil.rmtree(e, ignore_errors=True)
    if not find("", first_arg="systemd-nspawn"):
        locks = run_dir / "locks"
        if locks.is_dir():
            for e in locks.iterdir():
                e.unlink(missing_ok=True)
    for d in [run_dir / s for s in ("propagate", "unix-export", "incoming", "locks")] + [run_dir]:
        try:
            d.rmdir()
        except OSError:
            pass


def down(purge: bool = False, paths: Paths | None = None) -> None:
    """Stop everything `up` started; keep the cache, the ssh key and the extracted rootfs
    (--purge removes the whole state directory)."""
    paths = paths or Paths.from_env()
    preflight(("ip", "umount"))
    with locked(paths):
        t0 = time.monotonic()
        _down(paths)
        if purge:
            for p in paths.state.iterdir():
                if p != paths.lock_file:
                    shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
        log(f"lab down in {time.monotonic() - t0:.1f}s")


def status(paths: Paths | None = None) -> tuple[bool, str]:
    paths = paths or Paths.from_env()
    lines = []
    ok = True
    spec = _read_lab(paths).get("topology")
    qsfp_bridges = config.layout(spec).bridges if spec else []
    for br in (config.MGMT_BRIDGE, *qsfp_bridges):
        present = net.link_exists(br)
        ok &= present
        lines.append(f"bridge   {br:<14} {'up' if present else 'absent'}")
    for svc in services.ALL:
        pid = services.running(svc, paths)
        listening = services.port_open(svc.port)
        ok &= bool(pid and listening)
        lines.append(f"service  {svc.name:<14} {config.LAB_ADDR}:{svc.port:<5} "
                     f"{'pid ' + str(pid) if pid else 'stopped'}{'' if listening else ' (not listening)'}")
    hosts = _known_hosts_in_state(paths)
    for h in hosts:
        pids = hostmod.nspawn_pids(paths, h)
        said = hostmod.ready(paths, h)[1] if pids else "stopped"
        ok &= said == "running"
        lines.append(f"host     {h.name:<14} {h.mgmt_ip:<11} {said}"
                     f"{'  nspawn pid ' + str(pids[0]) if pids else ''}")
    if not hosts:
        ok = False
        lines.append("host     (none)")
    return ok, "\n".join(lines)
