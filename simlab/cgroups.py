"""Per-host cgroups that make an nspawn host able to run a real Docker engine ("engine host").

Each host gets its own cgroup in every v1 hierarchy (controllers, name=systemd) and in the unified
one, nested under the cgroup of the process that runs `simlab up` (read from /proc/self/cgroup).
The process that execs systemd-nspawn moves itself into all of them. Starting every host from its
own name=systemd/unified cgroup also avoids the shared `/payload/system.slice` bug.
"""
from __future__ import annotations

import errno
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Hierarchy:
    mountpoint: str         # e.g. /sys/fs/cgroup/cpuset
    own_path: str           # the caller's cgroup in it, e.g. /process_api/abc
    controllers: tuple      # ("cpuset",), ("name=systemd",), () for cgroup2

    @property
    def is_cpuset(self) -> bool:
        return "cpuset" in self.controllers


def parse_proc_cgroup(text: str) -> dict[str, str]:
    """/proc/self/cgroup -> {controller-or-name: path}; the cgroup2 entry is keyed ''."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        _hid, ctrls, path = line.split(":", 2)
        if ctrls == "":
            out[""] = path
        for c in ctrls.split(","):
            if c:
                out[c] = path
    return out


_NOT_CONTROLLERS = {"rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode",
                    "favordynmods", "nosuid", "nodev", "noexec", "relatime"}


def parse_mountinfo(text: str) -> list[tuple[str, str, tuple]]:
    """cgroup mounts in /proc/self/mountinfo -> [(mountpoint, fstype, controllers)]."""
    out = []
    for line in text.splitlines():
        pre, sep, post = line.partition(" - ")
        if not sep:
            continue
        fields = pre.split()
        fstype, _source, superopts = (post.split() + ["", ""])[:3]
        mountpoint = fields[4].replace("\\040", " ")
        if fstype == "cgroup":
            ctrls = tuple(o for o in superopts.split(",")
                          if o.startswith("name=") or ("=" not in o and o not in _NOT_CONTROLLERS))
            out.append((mountpoint, fstype, ctrls))
        elif fstype == "cgroup2":
            out.append((mountpoint, fstype, ()))
    return out


def hierarchies(proc_cgroup: str, mountinfo: str) -> list[Hierarchy]:
    own = parse_proc_cgroup(proc_cgroup)
    seen = set()
    out = []
    for mountpoint, fstype, ctrls in parse_mountinfo(mountinfo):
        key = "" if fstype == "cgroup2" else ctrls[0] if ctrls else None
        if key is None or key not in own or mountpoint in seen:
            continue
        seen.add(mountpoint)
        out.append(Hierarchy(mountpoint, own[key], ctrls))
    return out


def host_cgroup_dirs(hiers: list[Hierarchy], leaf: str) -> list[tuple[Hierarchy, str]]:
    """(hierarchy, directory) of the host's cgroup in each hierarchy: mountpoint + own path + leaf."""
    return [(h, os.path.join(h.mountpoint, h.own_path.lstrip("/"), leaf)) for h in hiers]


def current_hierarchies() -> list[Hierarchy]:
    return hierarchies(Path("/proc/self/cgroup").read_text(), Path("/proc/self/mountinfo").read_text())


# ----------------------------------------------------------------------------------------- actions

def create(leaf: str) -> list[str]:
    """Create the host's cgroups; return their directories (the host's cgroups.json records them)."""
    dirs = []
    for h, d in host_cgroup_dirs(current_hierarchies(), leaf):
        os.makedirs(d, exist_ok=True)
        if h.is_cpuset:
            parent = os.path.dirname(d)
            for f in ("cpuset.cpus", "cpuset.mems"):
                value = Path(parent, f).read_text().strip()
                Path(d, f).write_text(value)
        dirs.append(d)
    return dirs


def enter(dirs: list[str]) -> None:
    """Move the calling process into every directory (run in the child before exec'ing nspawn)."""
    pid = str(os.getpid())
    for d in dirs:
        with open(os.path.join(d, "cgroup.procs"), "w") as f:
            f.write(pid)


def _procs(d: str) -> list[int]:
    try:
        return [int(p) for p in Path(d, "cgroup.procs").read_text().split()]
    except OSError:
        return []


def remove(dirs: list[str], timeout: float = 10.0) -> list[str]:
    """rmdir each tree depth-first (children that docker/systemd made first). Returns what is left.

    Processes still inside (none once nspawn has exited) are SIGKILLed: they can only be the host's.
    """
    left = []
    for top in dirs:
        if not os.path.isdir(top):
            continue
        subdirs = [root for root, _dirs, _files in os.walk(top, topdown=False)]
        for d in subdirs:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError as e:
                    if e.errno != errno.EBUSY or time.monotonic() > deadline:
                        left.append(d)
                        break
                    for pid in _procs(d):
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    time.sleep(0.1)
    return left


def find_stale(prefix: str) -> list[str]:
    """Every cgroup directory named PREFIX* in any hierarchy (from a run whose state was lost)."""
    found = []
    for mountpoint, _fstype, _ctrls in parse_mountinfo(Path("/proc/self/mountinfo").read_text()):
        for root, dirs, _files in os.walk(mountpoint):
            for name in list(dirs):
                if name.startswith(prefix):
                    found.append(os.path.join(root, name))
                    dirs.remove(name)
    return found
