"""The Debian rootfs every host boots from (the overlay's lower layer).

Built with `debootstrap --variant=minbase` + chroot apt (faster than --include), through the lab's
apt-cacher-ng so the .debs are cached, then stored as a tarball in $SPARKLAB_SIM_CACHE/rootfs keyed by
a hash of the recipe. A cache hit only extracts the tarball; the cache is never required.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import config, render
from .config import Paths
from .procs import log, run

RECIPE_VERSION = 1

# What a fresh Ubuntu-like server has for pyinfra and the roles: python3, sudo, curl, gnupg,
# lsb-release, ssh, systemd/dbus/logind, udev (its udevadm sits behind the lab-only shim).
PACKAGES = (
    "systemd-sysv", "dbus", "libpam-systemd", "udev", "openssh-server", "openssh-client",
    "iproute2", "procps", "iputils-ping", "netbase", "python3", "sudo", "ca-certificates", "curl",
    "wget", "gnupg", "lsb-release", "tzdata", "less", "kmod",
)

ENABLE_UNITS = ("systemd-networkd.service", render.ENGINE_CGROUPS_UNIT_NAME)

CLEANUP = r"""
set -e
rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub /etc/hostname /usr/sbin/policy-rc.d
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id && ln -s /etc/machine-id /var/lib/dbus/machine-id
apt-get clean
apt-cache gencaches
rm -rf /var/log/apt/* /var/log/dpkg.log /var/log/alternatives.log /var/cache/debconf/*-old /root/.bash_history
"""


def recipe() -> dict:
    return {
        "version": RECIPE_VERSION,
        "suite": config.SUITE,
        "mirror": config.DEBIAN_MIRROR,
        "variant": "minbase",
        "packages": sorted(PACKAGES),
        "enable": list(ENABLE_UNITS),
        "files": {p: [hashlib.sha256(t.encode()).hexdigest(), m] for p, (t, m) in
                  sorted(render.image_files().items())},
        "cleanup": hashlib.sha256(CLEANUP.encode()).hexdigest(),
    }


def recipe_hash() -> str:
    return hashlib.sha256(json.dumps(recipe(), sort_keys=True).encode()).hexdigest()[:16]


def _compressor() -> tuple[str, list[str], list[str]]:
    """(extension, compress argv, decompress argv): zstd when installed, else gzip."""
    if shutil.which("zstd"):
        return "tar.zst", ["zstd", "-q", "-T0", "-6"], ["zstd", "-q", "-dc"]
    return "tar.gz", ["gzip", "-4"], ["gzip", "-dc"]


def cache_file(paths: Paths, h: str | None = None) -> Path:
    return paths.rootfs_cache_dir / f"{config.SUITE}-{h or recipe_hash()}.{_compressor()[0]}"


def _marker(paths: Paths) -> Path:
    return paths.state / "rootfs.recipe"


def write_files(root: Path, files: dict[str, tuple[str, int]]) -> None:
    """Write ``{relative path: (text, mode)}`` under ``root``, replacing symlinks."""
    for rel, (text, mode) in files.items():
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_symlink():
            dest.unlink()
        dest.write_text(text)
        os.chmod(dest, mode)


def _chroot(root: Path, script: str) -> None:
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "DEBIAN_FRONTEND": "noninteractive", "LANG": "C.UTF-8", "HOME": "/root"}
    log(f"chroot {root}: {script.strip().splitlines()[0]} ...")
    # stdout -> stderr: `up` prints only the host summary on stdout
    subprocess.run(["chroot", str(root), "/bin/sh", "-c", script], check=True, env=env, stdout=sys.stderr)


def _rm_tree(path: Path) -> None:
    if path.exists() or path.is_symlink():
        # nothing is ever mounted below a rootfs being built (no /proc in the build chroot)
        shutil.rmtree(path)


def build(paths: Paths, dest: Path) -> None:
    """debootstrap + chroot apt into DEST (through the lab apt proxy, which must be running)."""
    _rm_tree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    proxy = f"http://{config.LAB_ADDR}:{config.APT_PROXY_PORT}"
    t0 = time.monotonic()
    run(["debootstrap", "--variant=minbase", config.SUITE, str(dest), config.DEBIAN_MIRROR],
        env={**os.environ, "http_proxy": proxy, "HTTP_PROXY": proxy}, stdout=subprocess.DEVNULL)
    log(f"debootstrap done in {time.monotonic() - t0:.0f}s")
    files = dict(render.image_files())
    files["usr/sbin/policy-rc.d"] = (render.POLICY_RC_D, 0o755)
    write_files(dest, files)
    _chroot(dest, "apt-get update -q && apt-get install -y -q --no-install-recommends "
            + " ".join(PACKAGES) + " >/dev/null")
    _chroot(dest, "systemctl enable " + " ".join(ENABLE_UNITS))
    _chroot(dest, CLEANUP)
    log(f"rootfs built in {time.monotonic() - t0:.0f}s")


def pack(src: Path, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    _ext, comp, _dec = _compressor()
    with open(tmp, "wb") as f:
        tar = subprocess.Popen(["tar", "-C", str(src), "--numeric-owner", "--xattrs", "--xattrs-include=*",
                                "-cf", "-", "."], stdout=subprocess.PIPE)
        subprocess.run(comp, stdin=tar.stdout, stdout=f, check=True)
        tar.stdout.close()
        if tar.wait() != 0:
            tmp.unlink(missing_ok=True)
            raise RuntimeError(f"tar of {src} failed")
    os.replace(tmp, out)


def unpack(archive: Path, dest: Path) -> None:
    _rm_tree(dest)
    dest.mkdir(parents=True)
    dec = ["zstd", "-q", "-dc"] if archive.name.endswith(".zst") else ["gzip", "-dc"]
    with open(archive, "rb") as f:
        d = subprocess.Popen(dec, stdin=f, stdout=subprocess.PIPE)
        subprocess.run(["tar", "-C", str(dest), "--numeric-owner", "--xattrs", "--xattrs-include=*",
                        "-xpf", "-"], stdin=d.stdout, check=True)
        d.stdout.close()
        if d.wait() != 0:
            raise RuntimeError(f"cannot decompress {archive}")


def ensure(paths: Paths) -> str:
    """Make $STATE/rootfs the current recipe's rootfs; return how ("state", "cache" or "built").

    No overlay may be mounted on it (up runs down first when it rebuilds hosts).
    """
    h = recipe_hash()
    marker = _marker(paths)
    if paths.rootfs.is_dir() and marker.exists() and marker.read_text().strip() == h:
        return "state"
    marker.unlink(missing_ok=True)
    tmp = paths.state / "rootfs.new"
    archive = next((a for a in (cache_file(paths, h),
                                paths.rootfs_cache_dir / f"{config.SUITE}-{h}.tar.zst",
                                paths.rootfs_cache_dir / f"{config.SUITE}-{h}.tar.gz") if a.exists()), None)
    how = "cache"
    if archive is not None:
        t0 = time.monotonic()
        try:
            unpack(archive, tmp)
            log(f"rootfs {h} extracted from {archive} in {time.monotonic() - t0:.1f}s")
        except (RuntimeError, subprocess.CalledProcessError) as e:
            log(f"cached rootfs {archive} unusable ({e}); rebuilding")
            archive.unlink(missing_ok=True)
            archive = None
    if archive is None:
        how = "built"
        build(paths, tmp)
        t0 = time.monotonic()
        try:
            pack(tmp, cache_file(paths, h))
            log(f"rootfs cached as {cache_file(paths, h)} in {time.monotonic() - t0:.1f}s")
        except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
            log(f"could not cache the rootfs ({e}); going on without")
        # drop tarballs of older recipes
        for old in paths.rootfs_cache_dir.glob(f"{config.SUITE}-*.tar.*"):
            if h not in old.name:
                old.unlink(missing_ok=True)
    _rm_tree(paths.rootfs)
    os.replace(tmp, paths.rootfs)
    marker.write_text(h + "\n")
    return how
