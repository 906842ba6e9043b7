"""One simulated Spark: an overlay on the shared rootfs, booted with systemd-nspawn as an engine host."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from . import cgroups, config, net, render, rootfs
from .config import Host, Paths, host_paths
from .procs import find, log, read_pidfile, run, spawn, stop


def ssh_argv(paths: Paths, host: Host, *command: str, connect_timeout: int = 3) -> list[str]:
    return ["ssh", "-i", str(paths.ssh_key),
            "-o", f"UserKnownHostsFile={paths.known_hosts}", "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
            "-o", f"ConnectTimeout={connect_timeout}", f"root@{host.mgmt_ip}", *command]


def ensure_client_key(paths: Paths) -> str:
    """$STATE/ssh/id_ed25519 (generated once, kept by `down`); returns the public key line."""
    paths.ssh_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(paths.ssh_dir, 0o700)
    if not paths.ssh_key.exists():
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sparklab-sim", "-f", str(paths.ssh_key)])
    return Path(str(paths.ssh_key) + ".pub").read_text()


def _host_key(host: Host) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as d:
        key = Path(d, "key")
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"root@{host.name}", "-f", str(key)],
            quiet=True)
        return key.read_text(), Path(d, "key.pub").read_text()


def prepare(paths: Paths, host: Host, nics: list[config.Nic], authorized_key: str) -> str:
    """Fresh overlay with the host's identity written in; returns its known_hosts line."""
    hp = host_paths(paths, host)
    cleanup(paths, host)
    for d in (hp.upper, hp.work, hp.merged, hp.docker):
        d.mkdir(parents=True)
    run(["mount", "-t", "overlay", f"{config.LINK_PREFIX}{host.name}", "-o",
         f"lowerdir={paths.rootfs},upperdir={hp.upper},workdir={hp.work}", str(hp.merged)], quiet=True)
    key, pub = _host_key(host)
    (hp.merged / "root/.ssh").mkdir(mode=0o700, exist_ok=True)
    rootfs.write_files(hp.merged, render.host_files(host, nics, uuid.uuid4().hex, key, pub, authorized_key))
    return render.known_hosts_line(host, pub)


def boot(paths: Paths, host: Host, nics: list[config.Nic]) -> int:
    hp = host_paths(paths, host)
    dirs = cgroups.create(host.cgroup_leaf)
    hp.cgroups_file.write_text(json.dumps(dirs, indent=1) + "\n")
    argv = render.nspawn_argv(host, nics, hp.merged, hp.docker)
    pid = spawn(argv, hp.pidfile, hp.console_log, preexec_fn=lambda: cgroups.enter(dirs))
    log(f"{host.name}: systemd-nspawn pid {pid}")
    for nic in nics:
        net.attach_qsfp(nic)
    return pid


def nspawn_pids(paths: Paths, host: Host) -> list[int]:
    hp = host_paths(paths, host)
    pids = set(find(f"-D {hp.merged} ", first_arg="systemd-nspawn"))
    pid = read_pidfile(hp.pidfile, str(hp.merged))
    if pid:
        pids.add(pid)
    return sorted(pids)


def all_nspawn_pids(paths: Paths) -> list[int]:
    """Every nspawn booting a host below $STATE/hosts (also those whose pidfile was lost)."""
    return find(f"-D {paths.hosts_dir}/", first_arg="systemd-nspawn")


def ready(paths: Paths, host: Host) -> tuple[bool, str]:
    """(ready?, what `systemctl is-system-running` said or why it could not)."""
    try:
        r = subprocess.run(ssh_argv(paths, host, "systemctl", "is-system-running"),
                           capture_output=True, text=True, timeout=15, check=False)
    except subprocess.TimeoutExpired:
        return False, "ssh timed out"
    out = r.stdout.strip()
    if not out:
        err = r.stderr.strip().splitlines()
        out = err[-1] if err else f"ssh exit {r.returncode}"
    return out == "running", out


def wait_ready(paths: Paths, hosts: list[Host], timeout: float) -> dict[Host, str]:
    deadline = time.monotonic() + timeout
    pending = {h: "not started" for h in hosts}
    done: dict[Host, str] = {}
    while pending:
        for h in list(pending):
            if not nspawn_pids(paths, h):
                tail = _tail(host_paths(paths, h).console_log)
                raise RuntimeError(f"{h.name}: systemd-nspawn exited during boot; console log tail:\n{tail}")
            ok, said = ready(paths, h)
            pending[h] = said
            if ok:
                done[h] = said
                del pending[h]
            elif said == "degraded":
                failed = subprocess.run(ssh_argv(paths, h, "systemctl", "--failed", "--no-legend"),
                                        capture_output=True, text=True, check=False).stdout
                raise RuntimeError(f"{h.name}: systemctl is-system-running = degraded; "
                                   f"failed units:\n{failed}")
        if pending and time.monotonic() > deadline:
            detail = "; ".join(f"{h.name}: {s!r}" for h, s in pending.items())
            raise RuntimeError(f"hosts not ready after {timeout:.0f}s ({detail}); console logs under "
                               f"{paths.hosts_dir}/*/console.log")
        if pending:
            time.sleep(0.5)
    return done


def _tail(path: Path, n: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return "(no console log)"


def stop_hosts(paths: Paths, hosts: list[Host]) -> None:
    """SIGTERM every nspawn (clean poweroff), a second SIGTERM after 20 s, SIGKILL 10 s later."""
    pids = sorted(set(all_nspawn_pids(paths)).union(*(nspawn_pids(paths, h) for h in hosts)))
    if pids:
        log(f"stopping hosts (nspawn pids {pids})")
        t0 = time.monotonic()
        stop(pids, grace=10.0, second_term_after=20.0)
        log(f"hosts stopped in {time.monotonic() - t0:.1f}s")


def _mounts_below(path: Path) -> list[str]:
    prefix = str(path).rstrip("/") + "/"
    out = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        mp = line.split()[4].replace("\\040", " ")
        if mp.startswith(prefix) or mp == str(path):
            out.append(mp)
    return sorted(set(out), key=len, reverse=True)


def unmount_below(path: Path) -> None:
    for mp in _mounts_below(path):
        if subprocess.run(["umount", mp], capture_output=True, check=False).returncode != 0:
            log(f"umount {mp} busy: lazy unmount")
            run(["umount", "-l", mp], check=False)


def cleanup(paths: Paths, host: Host) -> None:
    """After the host's nspawn exited: unmount, remove its cgroups, delete its state directory."""
    hp = host_paths(paths, host)
    if nspawn_pids(paths, host):
        raise RuntimeError(f"{host.name} still running; stop it first")
    unmount_below(hp.root)
    try:
        dirs = json.loads(hp.cgroups_file.read_text())
    except (OSError, ValueError):
        dirs = []
    left = cgroups.remove(dirs)
    if left:
        log(f"{host.name}: cgroups left behind: {left}")
    if hp.root.exists():
        shutil.rmtree(hp.root)
    for d in (Path("/run/systemd/nspawn/propagate") / host.name,
              Path("/run/systemd/nspawn/unix-export") / host.name):
        if d.is_dir() and not _mounts_below(d):
            shutil.rmtree(d, ignore_errors=True)
