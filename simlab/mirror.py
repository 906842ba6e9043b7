"""Lab mirror content for the simulated lab: signed apt repos, keys, files, images.

LAB FIXTURES ONLY.  The simulated lab (Debian bookworm hosts booted with
systemd-nspawn, see docs/lab-contract.md) cannot reach vendor sites, so vendor
artifacts are replaced by stand-ins built here from ``simlab/standins/`` and the
data tables below (``REPOS``, ``PACKAGES``, ``IMAGES``, ``FILES``, ``WHEELS``,
``OLLAMA_FILES``).  Later levels add entries to those tables; the code should not
need to change.

Two entry points (stdlib only; shells out to dpkg-deb, gpg/gpgconf, apt-get, tar, chroot):

``build(dest)``
    Writes ``dest/keys/``, ``dest/apt/`` and ``dest/files/``.  Idempotent: a
    content-hash stamp (``dest/.sparklab-mirror.stamp``) makes a second call a
    no-op (milliseconds); the stamp covers this file and every file under
    ``simlab/standins/``, so an edited stand-in is rebuilt.  The lab signing key
    (ed25519, no passphrase) lives in ``$SPARKLAB_SIM_CACHE/gpg`` (default
    ``/var/cache/sparklab-sim``); if the cache is gone a new key is made and
    everything is re-signed.

``push_images(registry)``
    Builds stand-in images without a Docker engine and pushes them with the
    registry HTTP API v2 to ``registry`` (``host:port``, plain HTTP, no auth) under
    their repository path without the registry host (``nvidia/pytorch``,
    ``lmsysorg/sglang``, ``open-webui/open-webui``): the lab maps ``nvcr.io`` and
    ``ghcr.io`` to the lab registry and Docker Hub names reach it as a registry
    mirror.  Blobs the registry already has are skipped (shared layers are mounted
    across repositories), so a second push uploads nothing.  Layers are cached in
    ``$SPARKLAB_SIM_CACHE/layers`` under a hash of what they are made from, so an
    edited stand-in program gives a new layer, pushed by the next ``simlab up``.

Mirror layout (served at ``http://10.99.0.1:8080/`` = ``MIRROR_URL``)::

    keys/lab-archive-keyring.gpg          binary keyring (for Signed-By)
    keys/lab-archive-keyring.asc          the same key, ASCII-armored
    apt/tailscale/                        like pkgs.tailscale.com/stable/{debian,ubuntu}
        dists/{bookworm,noble}/{InRelease,Release,Release.gpg}
        dists/*/main/binary-{amd64,arm64}/Packages{,.gz}
        pool/tailscale_1.90.9_all.deb
        bookworm.noarmor.gpg, noble.noarmor.gpg           (= lab key, binary)
        bookworm.tailscale-keyring.list, noble.tailscale-keyring.list
    apt/libnvidia-container/              like nvidia.github.io/libnvidia-container
        gpgkey                                            (= lab key, armored)
        stable/deb/nvidia-container-toolkit.list
        stable/deb/{amd64,arm64}/{InRelease,Release,Release.gpg,Packages{,.gz},*.deb}
    files/SHA256SUMS                      every file under files/
    files/ollama/v0.15.2/                 like Ollama's GitHub release (OLLAMA_VERSION):
        ollama-linux-{amd64,arm64}.tgz                    bin/ollama + lib/ollama/ (same bytes)
        sha256sum.txt                                     "<sha256>  ./ollama-linux-amd64.tgz"
    files/wheels/                         WHEELS and their dependencies (pip --find-links)

Source lines that work (verified with apt-get update/download against this
layout; the keyring file may be either keys/ file, stored on the host under any
name, e.g. /usr/share/keyrings/tailscale-archive-keyring.gpg)::

    # tailscale: one-line form
    deb [signed-by=/usr/share/keyrings/tailscale-archive-keyring.gpg] http://10.99.0.1:8080/apt/tailscale bookworm main
    # tailscale: deb822 form
    Types: deb
    URIs: http://10.99.0.1:8080/apt/tailscale
    Suites: bookworm
    Components: main
    Signed-By: /usr/share/keyrings/tailscale-archive-keyring.gpg

    # NVIDIA container toolkit: flat repo, one-line form ($(ARCH) is expanded by apt)
    deb [signed-by=/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg] http://10.99.0.1:8080/apt/libnvidia-container/stable/deb/$(ARCH) /
    # NVIDIA container toolkit: deb822 form (flat: "Suites: /" and no Components)
    Types: deb
    URIs: http://10.99.0.1:8080/apt/libnvidia-container/stable/deb/amd64/
    Suites: /
    Signed-By: /usr/share/keyrings/nvidia-container-toolkit-keyring.gpg

The suite ``noble`` (the Spark's Ubuntu codename) exists too, with the same
packages, so a role that templates the codename works either way.  Hosts use an
apt proxy (apt-cacher-ng, docs/lab-contract.md); let the mirror bypass it with
``Acquire::http::Proxy::10.99.0.1 "DIRECT";`` (and ``mirror.sim`` if used), so a
rebuilt (re-signed) repo is never served stale.

The Ollama tarball is reproducible byte for byte (fixed names order, mtimes,
owners; gzip mtime 0): ``inventories/sim_lab.py`` pins its sha256 (``ollama_tarball()``).

Images (pushed as ``<lab registry>/<repository>:<tag>``, pulled in the lab by
their real names ``<registry>/<repository>:<tag>``): see ``IMAGES``.  linux/amd64,
labelled ``org.sparklab.standin=true``, layers:

1. busybox-static (sh, true, echo, cat, sleep, hostname, ... as symlinks to
   /bin/busybox); the Level-1 images (pytorch, cuda) are this layer alone,
   ``Cmd ["sh"]``.
2. ``"python": True`` images: Debian bookworm's python3.11 and the libraries it
   needs (``PYTHON_PACKAGES``, ``apt-get download`` + ``dpkg-deb -x``, docs and
   gconv left out), ``/usr/bin/python3``;
3. and the stand-in programs (``STANDIN_FILES``, ``STANDIN_LINKS``: vllm,
   trtllm-serve, ``python3 -m sglang.launch_server``, llama-server, the NIM's
   start_server.sh, hf, open-webui, bash = busybox sh), with the real command
   lines (simlab/standins/engines/).  As root, the layered rootfs is checked
   once in a chroot (``IMAGE_CHECKS``).

Command line: ``python3 -m simlab.mirror build DEST`` / ``push HOST:PORT``.
"""
from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import http.client
import io
import json
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
from pathlib import Path

log = logging.getLogger("simlab.mirror")

# ---------------------------------------------------------------------------
# Manifest (data).  Later levels add entries here.
# ---------------------------------------------------------------------------

TAILSCALE_VERSION = "1.90.9"
NVIDIA_CONTAINER_TOOLKIT_VERSION = "1.18.1-1"

MIRROR_URL = "http://10.99.0.1:8080"  # docs/lab-contract.md: lab mirror, HTTP files
MAINTAINER = "Sparklab simulated lab <lab@sparklab.invalid>"
KEY_UID = "Sparklab simulated lab archive (LAB FIXTURE, not a vendor key) <lab-archive@sparklab.invalid>"
FIXED_EPOCH = 1735689600  # 2025-01-01T00:00:00Z: mtimes inside debs and image layers
STANDINS = Path(__file__).resolve().parent / "standins"

# Repositories under dest/apt/.  layout "dists": path/dists/<suite>/<component>/binary-<arch>/;
# layout "flat": one self-contained directory per arch at path with "{arch}" expanded.
REPOS: dict[str, dict] = {
    "tailscale": {
        "layout": "dists",
        "path": "tailscale",
        "suites": ["bookworm", "noble"],
        "components": ["main"],
        "architectures": ["amd64", "arm64"],
        "origin": "Tailscale (simulated-lab stand-in)",
        "label": "Tailscale",
        # vendor-shaped extras: key copies and .list files, as pkgs.tailscale.com serves them
        "keys": {"bookworm.noarmor.gpg": "binary", "noble.noarmor.gpg": "binary"},
        "lists": {
            f"{suite}.tailscale-keyring.list":
                f"# Tailscale packages for {suite} (LAB FIXTURE: simulated-lab mirror)\n"
                "deb [signed-by=/usr/share/keyrings/tailscale-archive-keyring.gpg] "
                f"{{base}}/apt/tailscale {suite} main\n"
            for suite in ("bookworm", "noble")
        },
    },
    "libnvidia-container": {
        "layout": "flat",
        "path": "libnvidia-container/stable/deb/{arch}",
        "architectures": ["amd64", "arm64"],
        "origin": "NVIDIA libnvidia-container (simulated-lab stand-in)",
        "label": "libnvidia-container",
        "keys": {"../../../gpgkey": "armor"},  # apt/libnvidia-container/gpgkey
        "lists": {
            "../nvidia-container-toolkit.list":
                "deb {base}/apt/libnvidia-container/stable/deb/$(ARCH) /\n",
        },
    },
}

# Stand-in packages.  files: (installed path, source under simlab/standins/, mode).
# "@VERSION@" / "@UPSTREAM_VERSION@" in sources are replaced with the package's version.
_NV = NVIDIA_CONTAINER_TOOLKIT_VERSION
PACKAGES: list[dict] = [
    {
        "name": "tailscale",
        "version": TAILSCALE_VERSION,
        "repos": ["tailscale"],
        "section": "net",
        "depends": "python3",
        "homepage": "https://tailscale.com",
        "summary": "Tailscale node agent",
        "files": [
            ("/usr/sbin/tailscaled", "tailscale/tailscaled", 0o755),
            ("/usr/bin/tailscale", "tailscale/tailscale", 0o755),
            ("/lib/systemd/system/tailscaled.service", "tailscale/tailscaled.service", 0o644),
            ("/etc/default/tailscaled", "tailscale/tailscaled.default", 0o644),
        ],
        "conffiles": ["/etc/default/tailscaled"],
        "scripts": {"postinst": "tailscale/postinst", "prerm": "tailscale/prerm",
                    "postrm": "tailscale/postrm"},
    },
    {
        "name": "nvidia-container-toolkit",
        "version": _NV,
        "repos": ["libnvidia-container"],
        "section": "utils",
        "depends": (f"nvidia-container-toolkit-base (= {_NV}), "
                    f"libnvidia-container-tools (>= {_NV}), libnvidia-container-tools (<< 2.0.0)"),
        "homepage": "https://github.com/NVIDIA/nvidia-container-toolkit",
        "summary": "NVIDIA Container toolkit",
        "files": [("/usr/bin/nvidia-container-runtime-hook",
                   "nvidia-container-toolkit/nvidia-container-runtime-hook", 0o755)],
    },
    {
        "name": "nvidia-container-toolkit-base",
        "version": _NV,
        "repos": ["libnvidia-container"],
        "section": "utils",
        "depends": "python3",
        "breaks": "nvidia-container-toolkit (<< 1.11.0~rc.1)",
        "replaces": "nvidia-container-toolkit (<< 1.11.0~rc.1)",
        "homepage": "https://github.com/NVIDIA/nvidia-container-toolkit",
        "summary": "NVIDIA Container Toolkit Base (nvidia-ctk, nvidia-container-runtime)",
        "files": [
            ("/usr/bin/nvidia-ctk", "nvidia-container-toolkit/nvidia-ctk", 0o755),
            ("/usr/bin/nvidia-container-runtime",
             "nvidia-container-toolkit/nvidia-container-runtime", 0o755),
            ("/etc/nvidia-container-runtime/config.toml",
             "nvidia-container-toolkit/config.toml", 0o644),
        ],
        "conffiles": ["/etc/nvidia-container-runtime/config.toml"],
    },
    {
        "name": "libnvidia-container-tools",
        "version": _NV,
        "repos": ["libnvidia-container"],
        "section": "utils",
        "depends": f"libnvidia-container1 (>= {_NV})",
        "homepage": "https://github.com/NVIDIA/libnvidia-container",
        "summary": "NVIDIA container runtime library (command-line tools)",
        "files": [("/usr/bin/nvidia-container-cli",
                   "nvidia-container-toolkit/nvidia-container-cli", 0o755)],
    },
    {
        "name": "libnvidia-container1",
        "version": _NV,
        "repos": ["libnvidia-container"],
        "section": "libs",
        "homepage": "https://github.com/NVIDIA/libnvidia-container",
        "summary": "NVIDIA container runtime library (no library in the stand-in)",
        "files": [],
    },
]

# Stand-in container images. "repository" is pushed to the lab registry as is; the hosts pull
# "<registry>/<repository>:<tag>": nvcr.io and ghcr.io resolve to the lab registry (/etc/hosts,
# docker's insecure-registries), Docker Hub names reach it through docker's registry-mirrors.
# Every image has the busybox layer; "python": True adds Debian's python3.11 and the stand-in programs
# (simlab/standins/engines/). "entrypoint", "cmd" (default ["sh"]; [] for none) and "env" go into the
# image config. Entries for Level 2 follow dgx-spark-playbooks §2.3-2.9 and the engine catalog in roles/engines.py.
IMAGES: list[dict] = [
    {
        "registry": "nvcr.io",
        "repository": "nvidia/pytorch",
        "tag": "25.11-py3",  # dgx-spark-playbooks §7: fine-tune / unsloth / multimodal
        "env": ["NVIDIA_PYTORCH_VERSION=25.11", "PYTORCH_VERSION=standin"],
    },
    {
        "registry": "nvcr.io",
        "repository": "nvidia/cuda",
        "tag": "13.0.1-runtime-ubuntu24.04",  # §7: CUDA base (GPU check)
        "env": ["CUDA_VERSION=13.0.1"],
    },
    {"registry": "nvcr.io", "repository": "nvidia/vllm", "tag": "26.05.post1-py3", "python": True},
    {"registry": "nvcr.io", "repository": "nvidia/tensorrt-llm/release", "tag": "1.3.0rc13", "python": True},
    # §2.9 speculative decoding (EAGLE-3) pins the previous release candidate
    {"registry": "nvcr.io", "repository": "nvidia/tensorrt-llm/release", "tag": "1.3.0rc12", "python": True},
    {"registry": "docker.io", "repository": "lmsysorg/sglang", "tag": "latest-cu130", "python": True},
    {
        "registry": "nvcr.io",
        "repository": "nim/meta/llama-3.1-8b-instruct-dgx-spark",
        "tag": "latest",
        "python": True,
        "env": ["NIM_SERVED_MODEL_NAME=meta/llama-3.1-8b-instruct", "NIM_SERVER_PORT=8000"],
        "cmd": ["/opt/nim/start_server.sh"],  # the NIM serves its one model by default
    },
    {
        "registry": "ghcr.io",
        "repository": "open-webui/open-webui",
        "tag": "main",
        "python": True,
        "env": ["PORT=8080"],
        "cmd": ["open-webui", "serve"],
    },
    {
        "registry": "ghcr.io",
        "repository": "ggml-org/llama.cpp",
        "tag": "server-cuda",
        "python": True,
        # like the real image: the container's arguments are llama-server's, and it listens on all addresses
        "env": ["LLAMA_ARG_HOST=0.0.0.0"],
        "entrypoint": ["/app/llama-server"],
        "cmd": [],
    },
]
BASE_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_DRIVER_CAPABILITIES=compute,utility"]
BUSYBOX_PACKAGE = "busybox-static"
IMAGE_ARCH = "amd64"
# used when the extracted busybox cannot be run here to list its applets
FALLBACK_APPLETS = ["sh", "ash", "true", "false", "echo", "cat", "sleep", "hostname", "ls",
                    "env", "id", "uname", "ps", "kill", "mkdir", "rm", "cp", "mv", "ln",
                    "grep", "sed", "head", "tail", "wc", "date", "printf", "test", "[",
                    "which", "wget", "nc", "ping", "ip", "ifconfig", "whoami", "touch",
                    "chmod", "mount", "df", "du", "find", "xargs", "tee", "sort", "uniq"]

# The image layer with Python: these Debian bookworm packages (amd64, `apt-get download`) extracted
# as they are, less PYTHON_PRUNE. The minimal set that runs the stand-ins: without libssl3 `ssl` is
# missing (urllib still works over http), hashlib uses its builtin hashes; libgcc-s1 is needed by
# glibc's pthread_exit, which ends daemon threads (the servers' connections) at interpreter exit.
PYTHON_PACKAGES = ["python3.11-minimal", "libpython3.11-minimal", "libpython3.11-stdlib", "libc6", "zlib1g",
                   "libexpat1", "libgcc-s1"]
PYTHON_PRUNE = ("usr/share/doc", "usr/share/man", "usr/share/lintian", "usr/share/bug",
                "usr/lib/x86_64-linux-gnu/gconv")  # glibc charset modules (8 MB), unused with UTF-8
# The stand-in layer: (path in the image, source under simlab/standins/, mode), and links to the
# program that picks its command line by the name it is run as (simlab/standins/engines/standin_engines.py).
STANDIN_DIR = "opt/sparklab-standin"
STANDIN_FILES: list[tuple[str, str, int]] = [
    (f"{STANDIN_DIR}/standin_server.py", "engines/standin_server.py", 0o644),
    (f"{STANDIN_DIR}/standin_engines.py", "engines/standin_engines.py", 0o755),
    (f"{STANDIN_DIR}/sglang/__init__.py", "engines/sglang/__init__.py", 0o644),
    (f"{STANDIN_DIR}/sglang/launch_server.py", "engines/sglang/launch_server.py", 0o644),
    ("usr/local/lib/python3.11/dist-packages/sparklab-standin.pth", "engines/sparklab-standin.pth", 0o644),
    ("bin/bash", "engines/bash", 0o755),
]
STANDIN_LINKS: dict[str, str] = {
    **{f"usr/local/bin/{name}": f"/{STANDIN_DIR}/standin_engines.py"
       for name in ("vllm", "trtllm-serve", "llama-server", "hf", "huggingface-cli", "open-webui")},
    "app/llama-server": f"/{STANDIN_DIR}/standin_engines.py",
    "opt/nim/start_server.sh": f"/{STANDIN_DIR}/standin_engines.py",
}
# Run in a chroot of a "python" image's layers once per layer set (when root): the layered rootfs works.
IMAGE_CHECKS = (
    "python3 -c 'import http.server, json, argparse, signal, urllib.request, standin_engines, sglang.launch_server'",
    # daemon threads still running at exit, like a server's connections (aborts without libgcc_s)
    ("python3 -c 'import threading, time; [threading.Thread(target=lambda: [time.sleep(0.001) for _ in iter(int, 1)],"
     " daemon=True).start() for _ in range(8)]; time.sleep(0.05)'"),
    "bash -c 'hf download org/model --local-dir /tmp/check >/dev/null' && test -s /tmp/check/sparklab-standin.json",
    "vllm serve 2>/dev/null; test $? = 2",  # the linked program starts and rejects the command line
)

# Stand-in files under dest/files/: (path under files/, source under simlab/standins/).
FILES: list[tuple[str, str]] = []

# Ollama's release tarball stand-in: files/ollama/v{OLLAMA_VERSION}/ollama-linux-{amd64,arm64}.tgz
# (the same bytes: the stand-in is Python) and sha256sum.txt, like the GitHub release. The tarball is
# reproducible byte for byte: inventories/sim_lab.py pins its sha256.
OLLAMA_VERSION = "0.15.2"
OLLAMA_ARCHES = ("amd64", "arm64")
OLLAMA_FILES: list[tuple[str, str, int]] = [
    ("bin/ollama", "ollama/ollama", 0o755),
    ("lib/ollama/standin_server.py", "engines/standin_server.py", 0o644),
]

# Python packages the hosts install with pip (they cannot reach PyPI): downloaded here once into
# a wheelhouse served at files/wheels/ (`pip install --no-index --find-links <mirror>/files/wheels/`).
# The lab hosts run Debian bookworm's CPython 3.11.2 on x86_64: wheels are chosen for exactly that.
WHEELS: list[str] = ["jupyterlab==4.5.5", "torch==2.13.0", "numpy==2.4.6", "nvidia-ml-py==13.615.71"]
HOST_PYTHON = "3.11.2"

MEDIA_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MEDIA_CONFIG = "application/vnd.docker.container.image.v1+json"
MEDIA_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
STAMP_NAME = ".sparklab-mirror.stamp"
FORMAT = "sparklab-mirror/1"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _run(cmd, check: bool = True, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("capture_output", True)
    try:
        return subprocess.run([str(c) for c in cmd], check=check, **kw)
    except FileNotFoundError as e:
        raise RuntimeError(f"{cmd[0]} not found (needed by simlab.mirror)") from e
    except subprocess.CalledProcessError as e:
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({e.returncode}): {err}") from e


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _cache_root() -> Path:
    return Path(os.environ.get("SPARKLAB_SIM_CACHE") or "/var/cache/sparklab-sim")


@contextlib.contextmanager
def _cache():
    """Yield a locked cache dir; a throw-away one when the real cache is unusable."""
    root = _cache_root()
    tmp = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / "mirror.lock").touch()
    except OSError as e:
        log.warning("cache %s unusable (%s); using a temporary one", root, e)
        tmp = root = Path(tempfile.mkdtemp(prefix="sparklab-sim-cache-"))
    try:
        with open(root / "mirror.lock", "a+") as lockf:
            fcntl.flock(lockf, fcntl.LOCK_EX)
            yield root
    finally:
        if tmp is not None:
            _kill_agent(tmp / "gpg")
            shutil.rmtree(tmp, ignore_errors=True)


def standin_text(source: str, package: dict | None = None) -> bytes:
    """Content of a stand-in source file with the package's version substituted."""
    data = (STANDINS / source).read_bytes()
    if package is not None:
        version = package["version"]
        data = (data.replace(b"@UPSTREAM_VERSION@", version.split("-")[0].encode())
                .replace(b"@VERSION@", version.encode()))
    return data


def package(name: str) -> dict:
    return next(p for p in PACKAGES if p["name"] == name)


def _gzip(data: bytes) -> bytes:
    """gzip with no name and mtime 0: the same input gives the same bytes (with the same zlib)."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=6) as f:
        f.write(data)
    return out.getvalue()


def _tar_member(tar: tarfile.TarFile, name: str, kind: bytes = tarfile.DIRTYPE, mode: int = 0o755,
                data: bytes = b"", link: str = "") -> None:
    """Add one member owned by root with the fixed mtime (reproducible archives)."""
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.mtime = kind, mode, FIXED_EPOCH
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = "root"
    ti.linkname = link
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    tar.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def _files_tar(files: list[tuple[str, str, int]], links: dict[str, str], package: dict | None = None) -> bytes:
    """Uncompressed tar of stand-in sources (and links) at their paths, parents first, in name order."""
    members = {dst: (tarfile.REGTYPE, mode, standin_text(src, package), "") for dst, src, mode in files}
    members |= {dst: (tarfile.SYMTYPE, 0o777, b"", target) for dst, target in links.items()}
    dirs = {str(parent) for name in members for parent in Path(name).parents if str(parent) != "."}
    members |= {d: (tarfile.DIRTYPE, 0o755, b"", "") for d in dirs}
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members, key=lambda n: Path(n).parts):
            _tar_member(tar, name, *members[name])
    return raw.getvalue()


# ---------------------------------------------------------------------------
# GPG
# ---------------------------------------------------------------------------

def _gpg(home: Path, *args, **kw):
    env = dict(os.environ, GNUPGHOME=str(home))
    return _run(["gpg", "--batch", "--no-tty", "--quiet", *args], env=env, **kw)


def _kill_agent(home: Path) -> None:
    if home.is_dir():
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=dict(os.environ, GNUPGHOME=str(home)),
                       capture_output=True, check=False)


def _ensure_key(cache: Path) -> tuple[Path, str]:
    """Return (GNUPGHOME, fingerprint) of the lab signing key, generating it once."""
    home = cache / "gpg"
    fpr_file = home / "fingerprint"
    if fpr_file.is_file() and (home / "pubring.kbx").is_file():
        fpr = fpr_file.read_text().strip()
        if fpr:
            return home, fpr
    tmp = Path(tempfile.mkdtemp(prefix="gpg.", dir=cache))
    try:
        tmp.chmod(0o700)
        _gpg(tmp, "--pinentry-mode", "loopback", "--passphrase", "",
             "--quick-gen-key", KEY_UID, "ed25519", "sign", "never")
        out = _gpg(tmp, "--with-colons", "--list-secret-keys", text=True).stdout
        fpr = next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))
        (tmp / "fingerprint").write_text(fpr + "\n")
    finally:
        _kill_agent(tmp)
    if home.exists():
        _kill_agent(home)
        shutil.rmtree(home)
    tmp.rename(home)
    log.info("generated lab archive key %s in %s", fpr, home)
    return home, fpr


# ---------------------------------------------------------------------------
# build(): debs, apt repos, keys, files
# ---------------------------------------------------------------------------

def _inputs_hash(fpr: str, base_url: str) -> str:
    h = hashlib.sha256()
    h.update(f"{FORMAT}\n{fpr}\n{base_url}\n".encode())
    h.update(Path(__file__).read_bytes())
    for p in sorted(STANDINS.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(f"{p.relative_to(STANDINS)}\0{p.stat().st_mode & 0o777}\0".encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _control(pkg: dict, installed_kib: int) -> str:
    lines = [
        f"Package: {pkg['name']}",
        f"Version: {pkg['version']}",
        "Architecture: all",
        f"Maintainer: {MAINTAINER}",
        f"Installed-Size: {installed_kib}",
    ]
    for field in ("depends", "breaks", "replaces", "conflicts", "provides"):
        if pkg.get(field):
            lines.append(f"{field.capitalize()}: {pkg[field]}")
    lines += [
        f"Section: {pkg.get('section', 'misc')}",
        "Priority: optional",
    ]
    if pkg.get("homepage"):
        lines.append(f"Homepage: {pkg['homepage']}")
    lines += [
        f"Description: stand-in for the simulated lab: {pkg['summary']} (LAB FIXTURE)",
        " LAB FIXTURE: stand-in for the simulated lab (sparklab). This is not the",
        f" vendor's {pkg['name']} package; it only mimics the commands and files that",
        " the sparklab roles and checks use, on simulated Debian hosts without",
        " access to vendor sites or GPUs.",
    ]
    return "\n".join(lines) + "\n"


def _build_deb(pkg: dict, workdir: Path) -> Path:
    stage = workdir / f"stage-{pkg['name']}"
    (stage / "DEBIAN").mkdir(parents=True)
    files = list(pkg.get("files", []))
    doc = f"/usr/share/doc/{pkg['name']}/README.sparklab-standin"
    md5 = []
    size = 0
    for dst, src, mode in files:
        data = standin_text(src, pkg)
        _write_staged(stage, dst, data, mode)
        md5.append((dst, hashlib.md5(data).hexdigest()))
        size += (len(data) + 1023) // 1024
    note = (f"LAB FIXTURE: {pkg['name']} {pkg['version']} is a stand-in for the simulated lab\n"
            "(sparklab, simlab/mirror.py). It is not vendor software.\n").encode()
    _write_staged(stage, doc, note, 0o644)
    md5.append((doc, hashlib.md5(note).hexdigest()))
    ndirs = sum(1 for p in stage.rglob("*") if p.is_dir() and p.name != "DEBIAN")
    (stage / "DEBIAN/control").write_text(_control(pkg, size + 1 + ndirs))
    (stage / "DEBIAN/md5sums").write_text(
        "".join(f"{digest}  {path.lstrip('/')}\n" for path, digest in sorted(md5)))
    if pkg.get("conffiles"):
        (stage / "DEBIAN/conffiles").write_text("".join(c + "\n" for c in pkg["conffiles"]))
    for name, src in pkg.get("scripts", {}).items():
        _write_staged(stage, f"/DEBIAN/{name}", standin_text(src, pkg), 0o755)
    for p in [stage, *stage.rglob("*")]:
        if p.is_dir():
            p.chmod(0o755)
        os.utime(p, (FIXED_EPOCH, FIXED_EPOCH), follow_symlinks=False)
    for p in (stage / "DEBIAN").iterdir():
        if p.name in ("control", "md5sums", "conffiles"):
            p.chmod(0o644)
    out = workdir / f"{pkg['name']}_{pkg['version']}_all.deb"
    _run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", stage, out],
         env=dict(os.environ, SOURCE_DATE_EPOCH=str(FIXED_EPOCH)))
    return out


def _write_staged(stage: Path, dst: str, data: bytes, mode: int) -> None:
    p = stage / dst.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    p.chmod(mode)


def _packages_stanza(deb: Path, filename: str) -> str:
    control = _run(["dpkg-deb", "-f", deb], text=True).stdout.rstrip("\n")
    data = deb.read_bytes()
    return (f"{control}\nFilename: {filename}\nSize: {len(data)}\n"
            f"MD5sum: {hashlib.md5(data).hexdigest()}\nSHA1: {hashlib.sha1(data).hexdigest()}\n"
            f"SHA256: {_sha256(data)}\n")


def _write_index(directory: Path, text: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    raw = text.encode()
    (directory / "Packages").write_bytes(raw)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        gz.write(raw)
    (directory / "Packages.gz").write_bytes(buf.getvalue())
    return [directory / "Packages", directory / "Packages.gz"]


def _write_release(root: Path, indexes: list[Path], fields: list[tuple[str, str]],
                   gnupghome: Path, fpr: str) -> None:
    date = time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime())
    lines = [f"{k}: {v}" for k, v in fields if v] + [f"Date: {date}"]
    for title, algo in (("MD5Sum", hashlib.md5), ("SHA1", hashlib.sha1), ("SHA256", hashlib.sha256),
                        ("SHA512", hashlib.sha512)):
        lines.append(f"{title}:")
        for p in indexes:
            data = p.read_bytes()
            lines.append(f" {algo(data).hexdigest()} {len(data):>8} {p.relative_to(root).as_posix()}")
    release = root / "Release"
    release.write_text("\n".join(lines) + "\n")
    sign = ["--pinentry-mode", "loopback", "--passphrase", "", "--local-user", fpr,
            "--digest-algo", "SHA512", "--yes"]
    _gpg(gnupghome, *sign, "--clearsign", "--output", root / "InRelease", release)
    _gpg(gnupghome, *sign, "--armor", "--detach-sign", "--output", root / "Release.gpg", release)


def _build_repo(name: str, repo: dict, debs: dict[str, Path], apt: Path,
                gnupghome: Path, fpr: str, keyring: dict[str, bytes], base_url: str) -> None:
    members = [p for p in PACKAGES if name in p.get("repos", [])]
    archs = repo["architectures"]
    desc = "LAB FIXTURE: stand-in for the simulated lab (sparklab), not a vendor repository"
    if repo["layout"] == "dists":
        root = apt / repo["path"]
        pool = root / "pool"
        pool.mkdir(parents=True, exist_ok=True)
        stanzas = []
        for p in members:
            deb = debs[p["name"]]
            shutil.copy2(deb, pool / deb.name)
            stanzas.append(_packages_stanza(pool / deb.name, f"pool/{deb.name}"))
        text = "\n".join(stanzas)
        for suite in repo["suites"]:
            suite_dir = root / "dists" / suite
            indexes = []
            for comp in repo["components"]:
                for arch in archs:
                    indexes += _write_index(suite_dir / comp / f"binary-{arch}", text)
            _write_release(suite_dir, indexes, [
                ("Origin", repo["origin"]), ("Label", repo["label"]), ("Suite", suite),
                ("Codename", suite), ("Architectures", " ".join(archs)),
                ("Components", " ".join(repo["components"])), ("Description", desc),
            ], gnupghome, fpr)
        key_base = root
    elif repo["layout"] == "flat":
        for arch in archs:
            root = apt / repo["path"].format(arch=arch)
            root.mkdir(parents=True, exist_ok=True)
            stanzas = []
            for p in members:
                deb = debs[p["name"]]
                shutil.copy2(deb, root / deb.name)
                stanzas.append(_packages_stanza(root / deb.name, f"./{deb.name}"))
            indexes = _write_index(root, "\n".join(stanzas))
            _write_release(root, indexes, [
                ("Origin", repo["origin"]), ("Label", repo["label"]),
                ("Architectures", arch), ("Description", desc),
            ], gnupghome, fpr)
        key_base = apt / repo["path"].format(arch=archs[0])
    else:
        raise ValueError(f"repo {name}: unknown layout {repo['layout']!r}")
    for rel, kind in repo.get("keys", {}).items():
        target = Path(os.path.normpath(key_base / rel))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(keyring[kind])
    for rel, template in repo.get("lists", {}).items():
        target = Path(os.path.normpath(key_base / rel))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(template.replace("{base}", base_url.rstrip("/")))


def _link_or_copy(src: str, dst: str) -> None:
    """Hard link (the wheelhouse is ~250 MB), copying only across file systems."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _wheelhouse(cache: Path) -> Path:
    """The WHEELS and their dependencies, downloaded from PyPI once per WHEELS list."""
    key = hashlib.sha256("\n".join([HOST_PYTHON, *WHEELS]).encode()).hexdigest()[:16]
    house = cache / "wheels" / key
    if not (house / ".complete").exists():
        shutil.rmtree(house, ignore_errors=True)
        house.mkdir(parents=True)
        _run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--python-version", HOST_PYTHON,
              "--dest", str(house), *WHEELS])
        (house / ".complete").touch()
    return house


def ollama_tarball() -> bytes:
    """The Ollama stand-in release tarball (bin/ollama, lib/ollama/), identical bytes on every build."""
    return _gzip(_files_tar(OLLAMA_FILES, {}, {"version": OLLAMA_VERSION}))


def _files() -> dict[str, bytes]:
    """Path under files/ -> content: FILES, then the Ollama release stand-in."""
    out = {rel: standin_text(src) for rel, src in FILES}
    tarball = ollama_tarball()
    release = f"ollama/v{OLLAMA_VERSION}"
    for arch in OLLAMA_ARCHES:
        out[f"{release}/ollama-linux-{arch}.tgz"] = tarball
    out[f"{release}/sha256sum.txt"] = "".join(
        f"{_sha256(tarball)}  ./ollama-linux-{arch}.tgz\n" for arch in OLLAMA_ARCHES).encode()
    return out


def _is_built(dest: Path, stamp: str) -> bool:
    try:
        if (dest / STAMP_NAME).read_text().strip() != stamp:
            return False
    except OSError:
        return False
    return all((dest / p).exists() for p in
               ("keys/lab-archive-keyring.gpg", "keys/lab-archive-keyring.asc",
                "apt", "files/SHA256SUMS"))


def build(dest: Path, base_url: str = MIRROR_URL) -> None:
    """Build (or refresh) the lab mirror content in ``dest``; a no-op when up to date.

    ``base_url`` is only written into the vendor-shaped ``*.list`` convenience files.
    """
    dest = Path(dest).resolve()
    with _cache() as cache:
        gnupghome, fpr = _ensure_key(cache)
        stamp = _inputs_hash(fpr, base_url)
        if _is_built(dest, stamp):
            log.debug("mirror %s up to date", dest)
            return
        t0 = time.monotonic()
        dest.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.build-", dir=dest.parent))
        try:
            out = work / "out"
            keys = out / "keys"
            keys.mkdir(parents=True)
            keyring = {
                "binary": _gpg(gnupghome, "--export", fpr).stdout,
                "armor": _gpg(gnupghome, "--armor", "--export", fpr).stdout,
            }
            (keys / "lab-archive-keyring.gpg").write_bytes(keyring["binary"])
            (keys / "lab-archive-keyring.asc").write_bytes(keyring["armor"])
            (keys / "FINGERPRINT").write_text(fpr + "\n")

            debs_dir = work / "debs"
            debs_dir.mkdir()
            debs = {p["name"]: _build_deb(p, debs_dir) for p in PACKAGES}
            apt = out / "apt"
            apt.mkdir()
            for name, repo in REPOS.items():
                _build_repo(name, repo, debs, apt, gnupghome, fpr, keyring, base_url)

            files = out / "files"
            files.mkdir()
            sums = []
            for rel, data in _files().items():
                (files / rel).parent.mkdir(parents=True, exist_ok=True)
                (files / rel).write_bytes(data)
                sums.append(f"{_sha256(data)}  {rel}\n")
            (files / "SHA256SUMS").write_text("".join(sorted(sums, key=lambda s: s[66:])))
            shutil.copytree(_wheelhouse(cache), files / "wheels", copy_function=_link_or_copy)

            for p in [out, *out.rglob("*")]:
                p.chmod(0o755 if p.is_dir() else 0o644)
            (dest / STAMP_NAME).unlink(missing_ok=True)
            for sub in ("keys", "apt", "files"):
                old = dest / sub
                if old.exists():
                    old.rename(work / f"old-{sub}")
                (out / sub).rename(old)
            tmp_stamp = dest / (STAMP_NAME + ".tmp")
            tmp_stamp.write_text(stamp + "\n")
            tmp_stamp.rename(dest / STAMP_NAME)
        finally:
            _kill_agent(gnupghome)
            shutil.rmtree(work, ignore_errors=True)
        log.info("built lab mirror in %s (%.1f s)", dest, time.monotonic() - t0)


# ---------------------------------------------------------------------------
# push_images(): stand-in images over the registry HTTP API v2
# ---------------------------------------------------------------------------

def _debs(cache: Path, names: list[str]) -> list[Path]:
    """The amd64 .debs of ``names`` from the cache, downloading the missing ones (one apt-get call)."""
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)

    def cached(name):
        found = sorted(downloads.glob(f"{name}_*_{IMAGE_ARCH}.deb"))
        return found[-1] if found else None

    missing = [n for n in names if cached(n) is None]
    if missing:
        with tempfile.TemporaryDirectory(dir=downloads) as tmp:
            _run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root",
                  *(f"{n}:{IMAGE_ARCH}" for n in missing)], cwd=tmp)
            for deb in Path(tmp).glob("*.deb"):
                deb.rename(downloads / deb.name)
    return [cached(n) for n in names]


def _cached_layer(cache: Path, key: str, make_tar) -> dict:
    """{file, digest, diff_id, size, path} of the layer cached as ``key``; ``make_tar()`` gives the tar
    when it is missing or its blob is broken."""
    layers = cache / "layers"
    layers.mkdir(parents=True, exist_ok=True)
    meta_path = layers / f"{key}.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        blob = layers / meta["file"]
        if blob.is_file() and "sha256:" + _sha256(blob.read_bytes()) == meta["digest"]:
            meta["path"] = str(blob)
            return meta
    tar_bytes = make_tar()
    blob_bytes = _gzip(tar_bytes)
    digest = "sha256:" + _sha256(blob_bytes)
    blob = layers / f"{digest[7:]}.tar.gz"
    blob.write_bytes(blob_bytes)
    meta = {"file": blob.name, "digest": digest, "diff_id": "sha256:" + _sha256(tar_bytes),
            "size": len(blob_bytes)}
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    meta["path"] = str(blob)
    return meta


def _busybox_layer(cache: Path) -> dict:
    """busybox-static with its applets as links: the layer every stand-in image starts from."""
    (deb,) = _debs(cache, [BUSYBOX_PACKAGE])
    key = _sha256(f"layer/2\n{_sha256(deb.read_bytes())}\n{FALLBACK_APPLETS}".encode())[:24]

    def make_tar() -> bytes:
        with tempfile.TemporaryDirectory(dir=cache / "layers") as tmp:
            root = Path(tmp) / "x"
            _run(["dpkg-deb", "-x", deb, root])
            busybox = (root / "bin" / "busybox").read_bytes()
            try:
                listed = subprocess.run([root / "bin" / "busybox", "--list-full"], capture_output=True,
                                        text=True, check=True, timeout=10).stdout.split()
            except (OSError, subprocess.SubprocessError):
                listed = [f"bin/{a}" for a in FALLBACK_APPLETS]
        applets = sorted({a.strip("/") for a in listed if "/" in a.strip("/") and a != "bin/busybox"}
                         | {f"bin/{a}" for a in ("sh", "true", "echo", "cat", "sleep", "hostname")})
        dirs = {"bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "root", "tmp", "var",
                "var/tmp", "proc", "sys", "dev", "run", "home"}
        dirs |= {str(Path(a).parent) for a in applets}
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            for d in sorted(dirs):
                _tar_member(tar, d, mode=0o1777 if d in ("tmp", "var/tmp") else (0o700 if d == "root" else 0o755))
            _tar_member(tar, "bin/busybox", tarfile.REGTYPE, 0o755, busybox)
            for a in applets:
                _tar_member(tar, a, tarfile.SYMTYPE, 0o777, link="/bin/busybox")
            _tar_member(tar, "etc/passwd", tarfile.REGTYPE, 0o644,
                        b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
            _tar_member(tar, "etc/group", tarfile.REGTYPE, 0o644, b"root:x:0:\nnogroup:x:65534:\n")
            _tar_member(tar, "etc/sparklab-standin", tarfile.REGTYPE, 0o644,
                        b"LAB FIXTURE: stand-in container image for the simulated lab (sparklab).\n"
                        b"Only busybox; no CUDA, no PyTorch, no GPU.\n")
        return raw.getvalue()

    return _cached_layer(cache, key, make_tar)


def _pruned(rel: str) -> bool:
    return any(rel == p or rel.startswith(p + "/") for p in PYTHON_PRUNE)


def _python_layer(cache: Path) -> dict:
    """Debian's python3.11 and the libraries it needs (PYTHON_PACKAGES), plus /usr/bin/python3."""
    debs = _debs(cache, PYTHON_PACKAGES)
    key = _sha256("\n".join(["python-layer/1", *PYTHON_PRUNE, *(_sha256(d.read_bytes()) for d in debs)])
                  .encode())[:24]

    def make_tar() -> bytes:
        raw = io.BytesIO()
        with tempfile.TemporaryDirectory(dir=cache / "layers") as tmp, \
                tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            root = Path(tmp)
            for deb in debs:
                _run(["dpkg-deb", "-x", deb, root])
            (root / "usr/bin/python3").symlink_to("python3.11")
            paths = [Path(top, name) for top, dirs, files in os.walk(root) for name in dirs + files]
            for path in sorted(paths, key=lambda p: p.relative_to(root).parts):
                rel = path.relative_to(root).as_posix()
                if _pruned(rel):
                    continue
                mode = path.lstat().st_mode & 0o7777
                if path.is_symlink():
                    _tar_member(tar, rel, tarfile.SYMTYPE, 0o777, link=os.readlink(path))
                elif path.is_dir():
                    _tar_member(tar, rel, mode=mode)
                else:
                    _tar_member(tar, rel, tarfile.REGTYPE, mode, path.read_bytes())
        return raw.getvalue()

    return _cached_layer(cache, key, make_tar)


def _standin_layer(cache: Path) -> dict:
    """The stand-in programs (STANDIN_FILES, STANDIN_LINKS); keyed by their content, so an edit re-pushes."""
    tar_bytes = _files_tar(STANDIN_FILES, STANDIN_LINKS)
    return _cached_layer(cache, "standin-" + _sha256(tar_bytes)[:24], lambda: tar_bytes)


def _verify_python_image(cache: Path, layers: list[dict]) -> None:
    """Run IMAGE_CHECKS in a chroot of ``layers``, once per layer set; needs root (else only a warning)."""
    marker = cache / "layers" / ("verified-" + _sha256("".join(la["digest"] for la in layers).encode())[:24])
    if marker.exists():
        return
    if os.geteuid() != 0:
        log.warning("not root: stand-in image layers not checked in a chroot")
        return
    with tempfile.TemporaryDirectory(dir=cache / "layers") as root:
        for layer in layers:
            _run(["tar", "-xzf", layer["path"], "-C", root])
        for command in IMAGE_CHECKS:
            check = _run(["chroot", root, "/bin/sh", "-c", command], check=False, text=True,
                         env={"PATH": BASE_ENV[0].split("=", 1)[1], "HOME": "/root"})
            if check.returncode != 0:
                raise RuntimeError(f"stand-in image layers do not work: `{command}` in a chroot failed "
                                   f"({check.returncode}): {check.stdout}{check.stderr}")
    marker.touch()


def _layer_sets(cache: Path) -> dict[bool, list[dict]]:
    """Layers of an image without and with Python ("python" in IMAGES), each with its history text."""
    busybox = [{**_busybox_layer(cache), "what": "busybox-static stand-in"}]
    python = busybox + [{**_python_layer(cache), "what": "Debian bookworm python3.11"},
                        {**_standin_layer(cache), "what": "stand-in programs (simlab/standins/engines)"}]
    _verify_python_image(cache, python)
    return {False: busybox, True: python}


def _canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def image_blobs(image: dict, layers: list[dict]) -> tuple[bytes, bytes]:
    """(config JSON, manifest JSON) bytes of one stand-in image made of ``layers`` (see _layer_sets)."""
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(FIXED_EPOCH))
    ref = f"{image['repository']}:{image['tag']}"
    config = {
        "Env": BASE_ENV + list(image.get("env", [])),
        "WorkingDir": "/",
        "Labels": {"org.sparklab.standin": "true", "org.sparklab.standin.image": ref,
                   **image.get("labels", {})},
    }
    if image.get("cmd", ["sh"]):
        config["Cmd"] = image.get("cmd", ["sh"])
    if image.get("entrypoint"):
        config["Entrypoint"] = image["entrypoint"]
    config_bytes = _canonical({
        "architecture": IMAGE_ARCH,
        "os": "linux",
        "created": created,
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [la["diff_id"] for la in layers]},
        "history": [{"created": created, "created_by": f"sparklab simlab.mirror: {la['what']} for {ref}"}
                    for la in layers],
    })
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "config": {"mediaType": MEDIA_CONFIG, "size": len(config_bytes),
                   "digest": "sha256:" + _sha256(config_bytes)},
        "layers": [{"mediaType": MEDIA_LAYER, "size": la["size"], "digest": la["digest"]} for la in layers],
    }, indent=3).encode()
    return config_bytes, manifest


def pull_name(image: dict) -> str:
    """The name a lab host pulls an IMAGES entry by (e.g. ``ghcr.io/open-webui/open-webui:main``)."""
    return f"{image['registry']}/{image['repository']}:{image['tag']}"


class _Registry:
    def __init__(self, registry: str):
        self.base = f"http://{registry}"

    def request(self, method: str, url: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        url = urllib.parse.urljoin(self.base, url)
        parts = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(parts.netloc, timeout=60)
        try:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def check(self, status, expected, what, body=b""):
        if status not in expected:
            raise RuntimeError(f"registry {self.base}: {what}: HTTP {status} {body[:300]!r}")


def _push_blob(reg: _Registry, repo: str, digest: str, source: bytes | Path, where: dict[str, str],
               stats: dict) -> None:
    """Make ``digest`` present in ``repo``: already there, mounted from another repository, or uploaded
    from ``source`` (its bytes, or the file, read only when needed). ``where``: digest -> a repository with it."""
    status, _, _ = reg.request("HEAD", f"/v2/{repo}/blobs/{digest}")
    if status == 200:
        stats["blobs_present"] += 1
        where.setdefault(digest, repo)
        return
    query = ""
    if digest in where and where[digest] != repo:
        query = "?" + urllib.parse.urlencode({"mount": digest, "from": where[digest]})
    status, headers, body = reg.request("POST", f"/v2/{repo}/blobs/uploads/{query}",
                                        body=b"", headers={"Content-Length": "0"})
    if status == 201:
        stats["blobs_mounted"] += 1
        where.setdefault(digest, repo)
        return
    reg.check(status, (202,), f"start upload to {repo}", body)
    data = source.read_bytes() if isinstance(source, Path) else source
    location = headers["Location"]
    sep = "&" if "?" in location else "?"
    status, _, body = reg.request(
        "PUT", f"{location}{sep}digest={urllib.parse.quote(digest)}", body=data,
        headers={"Content-Type": "application/octet-stream", "Content-Length": str(len(data))})
    reg.check(status, (201,), f"upload {digest} to {repo}", body)
    stats["blobs_uploaded"] += 1
    where.setdefault(digest, repo)


def _push(registry: str) -> dict:
    """Push all IMAGES; returns counters (for tests / logs)."""
    stats = {"blobs_uploaded": 0, "blobs_mounted": 0, "blobs_present": 0,
             "manifests_put": 0, "manifests_present": 0}
    reg = _Registry(registry)
    status, _, body = reg.request("GET", "/v2/")
    reg.check(status, (200,), "GET /v2/ (is it a v2 registry without auth?)", body)
    with _cache() as cache:
        layer_sets = _layer_sets(cache)
    where: dict[str, str] = {}
    for image in IMAGES:
        repo = image["repository"]
        layers = layer_sets[bool(image.get("python"))]
        config, manifest = image_blobs(image, layers)
        for layer in layers:
            _push_blob(reg, repo, layer["digest"], Path(layer["path"]), where, stats)
        _push_blob(reg, repo, "sha256:" + _sha256(config), config, where, stats)
        want = "sha256:" + _sha256(manifest)
        status, headers, _ = reg.request("HEAD", f"/v2/{repo}/manifests/{image['tag']}",
                                         headers={"Accept": MEDIA_MANIFEST})
        if status == 200 and headers.get("Docker-Content-Digest") == want:
            stats["manifests_present"] += 1
            continue
        status, headers, body = reg.request(
            "PUT", f"/v2/{repo}/manifests/{image['tag']}", body=manifest,
            headers={"Content-Type": MEDIA_MANIFEST, "Content-Length": str(len(manifest))})
        reg.check(status, (201,), f"put manifest {repo}:{image['tag']}", body)
        got = headers.get("Docker-Content-Digest")
        if got and got != want:
            raise RuntimeError(f"registry stored {repo}:{image['tag']} as {got}, expected {want}")
        stats["manifests_put"] += 1
    log.info("pushed stand-in images to %s: %s", registry, stats)
    return stats


def push_images(registry: str) -> None:
    """Build the stand-in images and push them to ``registry`` (``host:port``, plain HTTP)."""
    _push(registry)


def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(prog="python3 -m simlab.mirror", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the mirror content in DEST")
    b.add_argument("dest", type=Path)
    b.add_argument("--base-url", default=MIRROR_URL)
    p = sub.add_parser("push", help="push stand-in images to REGISTRY (host:port)")
    p.add_argument("registry")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if args.cmd == "build":
        build(args.dest, base_url=args.base_url)
    else:
        print(json.dumps(_push(args.registry)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
