"""The stand-in images' layers, built without a Docker engine and cached in the lab cache (``<cache>/layers``)
under a hash of what they are made from, so an edited stand-in gives a new layer:

1. busybox-static with its applets as links (sh, true, echo, cat, sleep, hostname, ...): every image;
2. Debian bookworm's python3.11 and the libraries it needs (``PYTHON_PACKAGES``, ``apt-get download`` +
   ``dpkg-deb -x``, docs and gconv left out), ``/usr/bin/python3``: ``"python": True`` images;
3. the stand-in programs (``catalog.STANDIN_FILES``, ``catalog.STANDIN_LINKS``): ``"python": True`` images;
4. an image's own layers (``catalog.IMAGE_LAYERS`` named by its "layers": Ollama's binary, the services' links,
   or a wheel's scripts: uv's binaries).

An image with ``"site_packages": NAME`` (the CPU PyTorch image, the JAX image's base) has, instead of 3., the
libraries the rest of Python's standard library and the wheels need (``PYTHON_LIBS``: libstdc++, libssl, libffi, ...)
and a layer of site-packages: ``catalog.SITE_PACKAGES[NAME]`` and their dependencies, resolved from the lab wheelhouse
(or the one ``catalog.SITE_PACKAGES_WHEELHOUSE`` names) and unpacked
into ``/usr/local/lib/python3.11/dist-packages`` with their console scripts in ``/usr/local/bin`` (pip, hf, torchrun,
accelerate, ...) and a RECORD, so that pip in the image upgrades or removes them as if it had installed them.

As root, the layered rootfs of a ``"python"`` image is checked once in a chroot (``IMAGE_CHECKS``), and that of a
site-packages image with ``SITE_PACKAGES_CHECKS[NAME]``.
"""
from __future__ import annotations

import base64
import configparser
import gzip
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from . import catalog
from .archives import FIXED_EPOCH, files_tar, gzip_bytes, tar_member
from .host_tools import file_sha256, log, run, sha256
from .image_manifests import BASE_ENV
from .wheelhouse import own_wheelhouse, resolve, wheelhouse

BUSYBOX_PACKAGE = "busybox-static"
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
                "usr/lib/x86_64-linux-gnu/gconv",  # glibc charset modules (8 MB), unused with UTF-8
                # an image's Python is its own, as in the python:3.x and NGC images: `pip install` just works
                "usr/lib/python3.11/EXTERNALLY-MANAGED")
# The libraries the rest of the standard library (ssl, hashlib with OpenSSL, ctypes, bz2, lzma, sqlite3, uuid,
# readline, curses) and the wheels' extensions (libstdc++, libgomp) link to: site-packages images only.
PYTHON_LIBS = ["libstdc++6", "libgomp1", "libssl3", "libffi8", "libbz2-1.0", "liblzma5", "libsqlite3-0", "libuuid1",
               "libncursesw6", "libtinfo6", "libreadline8", "libcrypt1"]
SITE_PACKAGES_DIR = "usr/local/lib/python3.11/dist-packages"
SCRIPTS_DIR = "usr/local/bin"
# Run in a chroot of a "python" image's layers once per layer set (when root): the layered rootfs works.
IMAGE_CHECKS = (
    "python3 -c 'import http.server, json, argparse, signal, urllib.request, standin_engines, sglang.launch_server'",
    # daemon threads still running at exit, like a server's connections (aborts without libgcc_s)
    ("python3 -c 'import threading, time; [threading.Thread(target=lambda: [time.sleep(0.001) for _ in iter(int, 1)],"
     " daemon=True).start() for _ in range(8)]; time.sleep(0.05)'"),
    "bash -c 'hf download org/model --local-dir /tmp/check >/dev/null' && test -s /tmp/check/sparklab-standin.json",
    "vllm serve 2>/dev/null; test $? = 2",  # the linked program starts and rejects the command line
    "python3 -c 'import standin_services'",
    "curl -s http://127.0.0.1:9/; test $? = 7",  # the curl stand-in runs: connection refused
)
# Run in a chroot of a site-packages image once per layer set (when root): the standard library, then each image's own.
STDLIB_CHECK = ("python3 -c 'import ssl, hashlib, ctypes, bz2, lzma, sqlite3, uuid, decimal; "
                "hashlib.sha256(b\"\").hexdigest()'")
SITE_PACKAGES_CHECKS: dict[str, tuple[str, ...]] = {
    "pytorch": (
        STDLIB_CHECK,
        "python3 -c 'import torch, numpy, transformers, peft, accelerate, datasets; torch.ones(2) @ torch.ones(2)'",
        "pip --version && pip check",
        "hf version",
    ),
    "jax": (
        STDLIB_CHECK,
        "python3 -c 'import jax, jax.numpy as jnp, marimo, plotly, tqdm; print(jax.devices(), jnp.ones(2).sum())'",
        "marimo --version",
    ),
    "rapids-notebooks": (
        STDLIB_CHECK,
        "python3 -c 'import jupyterlab, jupyter_server, ipykernel, zmq'",
        "pip --version && pip check",
        "jupyter-lab --version",
    ),
}


def _debs(cache: Path, names: list[str]) -> list[Path]:
    """The amd64 .debs of ``names`` from the cache, downloading the missing ones (one apt-get call)."""
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)

    def cached(name):
        found = sorted(downloads.glob(f"{name}_*_{catalog.IMAGE_ARCH}.deb"))
        return found[-1] if found else None

    missing = [n for n in names if cached(n) is None]
    if missing:
        with tempfile.TemporaryDirectory(dir=downloads) as tmp:
            run(["apt-get", "download", "-q", "-o", "APT::Sandbox::User=root",
                 *(f"{n}:{catalog.IMAGE_ARCH}" for n in missing)], cwd=tmp)
            for deb in Path(tmp).glob("*.deb"):
                deb.rename(downloads / deb.name)
    return [cached(n) for n in names]



def _cached_meta(cache: Path, key: str) -> dict | None:
    """{file, digest, diff_id, size, path} of the layer cached as ``key``, if its blob is there and intact."""
    meta_path = cache / "layers" / f"{key}.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        blob = cache / "layers" / meta["file"]
        if blob.is_file() and "sha256:" + file_sha256(blob) == meta["digest"]:
            meta["path"] = str(blob)
            return meta
    return None


def _store_meta(cache: Path, key: str, meta: dict) -> dict:
    (cache / "layers" / f"{key}.json").write_text(json.dumps(meta, indent=1) + "\n")
    return {**meta, "path": str(cache / "layers" / meta["file"])}


def _cached_layer(cache: Path, key: str, make_tar) -> dict:
    """{file, digest, diff_id, size, path} of the layer cached as ``key``; ``make_tar()`` gives the tar
    when it is missing or its blob is broken."""
    layers = cache / "layers"
    layers.mkdir(parents=True, exist_ok=True)
    meta = _cached_meta(cache, key)
    if meta is not None:
        return meta
    tar_bytes = make_tar()
    blob_bytes = gzip_bytes(tar_bytes)
    digest = "sha256:" + sha256(blob_bytes)
    blob = layers / f"{digest[7:]}.tar.gz"
    blob.write_bytes(blob_bytes)
    return _store_meta(cache, key, {"file": blob.name, "digest": digest, "diff_id": "sha256:" + sha256(tar_bytes),
                                    "size": len(blob_bytes)})


class _HashingWriter:
    """A file that hashes what is written to it (the gzip stream of a big layer)."""

    def __init__(self, f):
        self.f, self.h, self.size = f, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.h.update(data)
        self.size += len(data)
        return self.f.write(data)

    def flush(self) -> None:
        self.f.flush()


def _cached_big_layer(cache: Path, key: str, write_tar) -> dict:
    """Like _cached_layer for a layer too big for memory: ``write_tar(path)`` writes the tar to a file, which is
    gzipped to the blob as a stream."""
    layers = cache / "layers"
    layers.mkdir(parents=True, exist_ok=True)
    meta = _cached_meta(cache, key)
    if meta is not None:
        return meta
    with tempfile.TemporaryDirectory(dir=layers) as tmp:
        tar_path, gz_path = Path(tmp) / "layer.tar", Path(tmp) / "layer.tar.gz"
        write_tar(tar_path)
        diff = hashlib.sha256()
        with open(tar_path, "rb") as src, open(gz_path, "wb") as out:
            writer = _HashingWriter(out)
            with gzip.GzipFile(fileobj=writer, mode="wb", mtime=0, compresslevel=6) as gz:
                for block in iter(lambda: src.read(1 << 20), b""):
                    diff.update(block)
                    gz.write(block)
        digest = "sha256:" + writer.h.hexdigest()
        blob = layers / f"{digest[7:]}.tar.gz"
        os.replace(gz_path, blob)
    return _store_meta(cache, key, {"file": blob.name, "digest": digest, "diff_id": "sha256:" + diff.hexdigest(),
                                    "size": blob.stat().st_size})


def _busybox_layer(cache: Path) -> dict:
    """busybox-static with its applets as links: the layer every stand-in image starts from."""
    (deb,) = _debs(cache, [BUSYBOX_PACKAGE])
    key = sha256(f"layer/2\n{sha256(deb.read_bytes())}\n{FALLBACK_APPLETS}".encode())[:24]

    def make_tar() -> bytes:
        with tempfile.TemporaryDirectory(dir=cache / "layers") as tmp:
            root = Path(tmp) / "x"
            run(["dpkg-deb", "-x", deb, root])
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
                tar_member(tar, d, mode=0o1777 if d in ("tmp", "var/tmp") else (0o700 if d == "root" else 0o755))
            tar_member(tar, "bin/busybox", tarfile.REGTYPE, 0o755, busybox)
            for a in applets:
                tar_member(tar, a, tarfile.SYMTYPE, 0o777, link="/bin/busybox")
            tar_member(tar, "etc/passwd", tarfile.REGTYPE, 0o644,
                       b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
            tar_member(tar, "etc/group", tarfile.REGTYPE, 0o644, b"root:x:0:\nnogroup:x:65534:\n")
            tar_member(tar, "etc/sparklab-standin", tarfile.REGTYPE, 0o644,
                       b"LAB FIXTURE: stand-in container image for the simulated lab (sparklab).\n"
                       b"Only busybox; no CUDA, no PyTorch, no GPU.\n")
        return raw.getvalue()

    return _cached_layer(cache, key, make_tar)


def _pruned(rel: str) -> bool:
    return any(rel == p or rel.startswith(p + "/") for p in PYTHON_PRUNE)


def _deb_layer(cache: Path, packages: list[str], tag: str, links: dict[str, str] | None = None) -> dict:
    """These Debian packages extracted as they are, less PYTHON_PRUNE, plus ``links`` (path -> target)."""
    debs = _debs(cache, packages)
    key = sha256("\n".join([tag, *PYTHON_PRUNE, *(f"{k}->{v}" for k, v in sorted((links or {}).items())),
                            *(sha256(d.read_bytes()) for d in debs)]).encode())[:24]

    def make_tar() -> bytes:
        raw = io.BytesIO()
        with tempfile.TemporaryDirectory(dir=cache / "layers") as tmp, \
                tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            root = Path(tmp)
            for deb in debs:
                run(["dpkg-deb", "-x", deb, root])
            for path, target in (links or {}).items():
                (root / path).symlink_to(target)
            paths = [Path(top, name) for top, dirs, files in os.walk(root) for name in dirs + files]
            for path in sorted(paths, key=lambda p: p.relative_to(root).parts):
                rel = path.relative_to(root).as_posix()
                if _pruned(rel):
                    continue
                mode = path.lstat().st_mode & 0o7777
                if path.is_symlink():
                    tar_member(tar, rel, tarfile.SYMTYPE, 0o777, link=os.readlink(path))
                elif path.is_dir():
                    tar_member(tar, rel, mode=mode)
                else:
                    tar_member(tar, rel, tarfile.REGTYPE, mode, path.read_bytes())
        return raw.getvalue()

    return _cached_layer(cache, key, make_tar)


def _python_layer(cache: Path) -> dict:
    """Debian's python3.11 and the libraries it needs (PYTHON_PACKAGES), plus /usr/bin/python3."""
    return _deb_layer(cache, PYTHON_PACKAGES, "python-layer/2", {"usr/bin/python3": "python3.11"})


def _python_libs_layer(cache: Path) -> dict:
    return _deb_layer(cache, PYTHON_LIBS, "python-libs/1")


def _standin_layer(cache: Path) -> dict:
    """The stand-in programs (STANDIN_FILES, STANDIN_LINKS); keyed by their content, so an edit re-pushes."""
    tar_bytes = files_tar(catalog.STANDIN_FILES, catalog.STANDIN_LINKS)
    return _cached_layer(cache, "standin-" + sha256(tar_bytes)[:24], lambda: tar_bytes)


def _verify_python_image(cache: Path, layers: list[dict], checks: tuple[str, ...] = IMAGE_CHECKS) -> None:
    """Run ``checks`` in a chroot of ``layers``, once per layer set; needs root (else only a warning)."""
    marker = cache / "layers" / ("verified-" + sha256("".join(la["digest"] for la in layers).encode())[:24])
    if marker.exists():
        return
    if os.geteuid() != 0:
        log.warning("not root: stand-in image layers not checked in a chroot")
        return
    with tempfile.TemporaryDirectory(dir=cache / "layers") as root:
        for layer in layers:
            run(["tar", "-xzf", layer["path"], "-C", root])
        for name, minor in (("null", 3), ("zero", 5), ("random", 8), ("urandom", 9)):  # torch reads /dev/urandom
            dev = Path(root, "dev", name)
            if not dev.exists():
                dev.parent.mkdir(exist_ok=True)
                os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        for command in checks:
            check = run(["chroot", root, "/bin/sh", "-c", command], check=False, text=True,
                        env={"PATH": BASE_ENV[0].split("=", 1)[1], "HOME": "/root"})
            if check.returncode != 0:
                raise RuntimeError(f"stand-in image layers do not work: `{command}` in a chroot failed "
                                   f"({check.returncode}): {check.stdout}{check.stderr}")
    marker.touch()


# --- site-packages: wheels unpacked as pip would install them ------------------------------------------------

def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")


_LAUNCHER = """#!/usr/bin/python3
# -*- coding: utf-8 -*-
import re
import sys
from {module} import {head}
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit({attr}())
"""


def install_wheel(wheel: Path, root: Path) -> list[str]:
    """Unpack ``wheel`` under ``root`` as pip installs it for /usr/bin/python3 (SITE_PACKAGES_DIR, console scripts
    in SCRIPTS_DIR, RECORD rewritten); returns the console scripts' names."""
    site, bindir = root / SITE_PACKAGES_DIR, root / SCRIPTS_DIR
    records: list[tuple[Path, bytes]] = []

    def put(dst: Path, data: bytes, mode: int) -> None:
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
        dst.chmod(mode)
        records.append((dst, data))

    with zipfile.ZipFile(wheel) as z:
        dist_info = next(n.split("/")[0] for n in z.namelist()
                         if n.count("/") == 1 and n.endswith(".dist-info/WHEEL"))
        data_dir = dist_info[:-len(".dist-info")] + ".data"
        for info in z.infolist():
            name = info.filename
            if info.is_dir() or name == f"{dist_info}/RECORD":
                continue
            data = z.read(info)
            mode = 0o755 if (info.external_attr >> 16) & 0o111 else 0o644
            if name.startswith(data_dir + "/"):
                kind, rest = name[len(data_dir) + 1:].split("/", 1)
                if kind == "scripts":
                    if data.startswith(b"#!python"):  # the wheel's placeholder for the interpreter
                        data = b"#!/usr/bin/python3\n" + data.split(b"\n", 1)[1]
                    put(bindir / rest, data, 0o755)
                elif kind in ("purelib", "platlib"):
                    put(site / rest, data, mode)
                elif kind == "data":
                    put(root / "usr/local" / rest, data, mode)
                else:  # headers
                    put(root / "usr/local/include/python3.11" / dist_info.split("-")[0] / rest, data, mode)
            else:
                put(site / name, data, mode)
        scripts = []
        if f"{dist_info}/entry_points.txt" in z.namelist():
            entry_points = configparser.ConfigParser(delimiters=("=",), interpolation=None)
            entry_points.optionxform = str
            entry_points.read_string(z.read(f"{dist_info}/entry_points.txt").decode())
            if entry_points.has_section("console_scripts"):
                for script, target in sorted(entry_points.items("console_scripts")):
                    module, _, attr = target.strip().partition(":")
                    attr = attr.split("[")[0].strip()
                    launcher = _LAUNCHER.format(module=module.strip(), head=attr.split(".")[0], attr=attr)
                    put(bindir / script, launcher.encode(), 0o755)
                    scripts.append(script)
    put(site / dist_info / "INSTALLER", b"pip\n", 0o644)
    lines = [f"{os.path.relpath(dst, site)},{_record_hash(data)},{len(data)}" for dst, data in records]
    (site / dist_info / "RECORD").write_text("\n".join(sorted(lines) + [f"{dist_info}/RECORD,,"]) + "\n")
    return scripts


def _tar_tree(root: Path, tar_path: Path) -> None:
    """A reproducible tar of the tree at ``root``: name order, root-owned, fixed mtimes, modes kept."""
    paths = [Path(top, name) for top, dirs, files in os.walk(root) for name in dirs + files]
    with tarfile.open(tar_path, "w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(paths, key=lambda p: p.relative_to(root).parts):
            rel = path.relative_to(root).as_posix()
            st = path.lstat()
            if path.is_symlink():
                tar_member(tar, rel, tarfile.SYMTYPE, 0o777, link=os.readlink(path))
            elif path.is_dir():
                tar_member(tar, rel, mode=st.st_mode & 0o7777)
            else:
                ti = tarfile.TarInfo(rel)
                ti.type, ti.mode, ti.mtime, ti.size = tarfile.REGTYPE, st.st_mode & 0o7777, FIXED_EPOCH, st.st_size
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = "root"
                with open(path, "rb") as f:
                    tar.addfile(ti, f)


def _house(cache: Path, own: str | None) -> Path:
    """The lab wheelhouse, or OWN_WHEELHOUSES[own]."""
    return own_wheelhouse(cache, own) if own else wheelhouse(cache)


def site_packages_wheels(cache: Path, name: str) -> list[Path]:
    """The wheels of SITE_PACKAGES[name] and their dependencies in its wheelhouse (the lab's, or the one
    SITE_PACKAGES_WHEELHOUSE names; pip's resolution, cached)."""
    house = _house(cache, catalog.SITE_PACKAGES_WHEELHOUSE.get(name))
    requirements = catalog.SITE_PACKAGES[name]
    resolved = cache / "layers" / f"resolved-{sha256(chr(10).join([house.name, *requirements]).encode())[:24]}.json"
    names = json.loads(resolved.read_text()) if resolved.is_file() else None
    if names is None or not all((house / n).is_file() for n in names):
        names = [w.name for w in resolve(house, requirements)]
        resolved.parent.mkdir(parents=True, exist_ok=True)
        resolved.write_text(json.dumps(names, indent=1) + "\n")
    return [house / n for n in names]


def _site_packages_layer(cache: Path, name: str) -> dict:
    """SITE_PACKAGES[name] and their dependencies, unpacked from the wheelhouse (keyed by the wheels' names)."""
    wheels = site_packages_wheels(cache, name)
    key = "site-" + sha256("\n".join(["site-packages/2", SITE_PACKAGES_DIR, _LAUNCHER,
                                       *(f"{w.name} {w.stat().st_size}" for w in wheels)]).encode())[:24]

    def write_tar(tar_path: Path) -> None:
        with tempfile.TemporaryDirectory(dir=cache / "layers") as tmp:
            for wheel in wheels:
                install_wheel(wheel, Path(tmp))
            if sys.version_info[:2] == (3, 11):  # byte-code as pip leaves it (imports 2.6x faster in a new container)
                run([sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "checked-hash",
                     Path(tmp) / SITE_PACKAGES_DIR], check=False)
            _tar_tree(Path(tmp), tar_path)

    return _cached_big_layer(cache, key, write_tar)


def _wheel_files_layer(cache: Path, name: str) -> dict:
    """IMAGE_LAYERS[name] with a "wheel": scripts of that wheel (uv's binaries) at paths in the image; keyed by the
    wheel and the paths."""
    spec = catalog.IMAGE_LAYERS[name]
    project, version = spec["wheel"].split("==")
    stem = f"{project.replace('-', '_')}-{version}"
    wheels = sorted(_house(cache, spec.get("wheelhouse")).glob(f"{stem}-*.whl"))
    if not wheels:
        raise RuntimeError(f"image layer {name}: no wheel {spec['wheel']} in its wheelhouse")
    key = f"wheel-{sha256(repr((wheels[-1].name, wheels[-1].stat().st_size, spec['wheel_files'])).encode())[:24]}"

    def make_tar() -> bytes:
        raw = io.BytesIO()
        with zipfile.ZipFile(wheels[-1]) as z, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for path, script, mode in sorted(spec["wheel_files"]):
                tar_member(tar, path, tarfile.REGTYPE, mode, z.read(f"{stem}.data/scripts/{script}"))
        return raw.getvalue()

    return {**_cached_layer(cache, key, make_tar), "what": f"stand-in layer {name!r} ({wheels[-1].name})"}


def _extra_layer(cache: Path, name: str) -> dict:
    """IMAGE_LAYERS[name]: an image's own files and links; keyed by their content, like the stand-in layer."""
    spec = catalog.IMAGE_LAYERS[name]
    if "wheel" in spec:
        return _wheel_files_layer(cache, name)
    tar_bytes = files_tar(spec.get("files", []), spec.get("links", {}),
                          {"version": spec["version"]} if "version" in spec else None, spec.get("owners"))
    return {**_cached_layer(cache, f"extra-{sha256(tar_bytes)[:24]}", lambda: tar_bytes),
            "what": f"stand-in layer {name!r}"}


def _set_key(image: dict):
    return f"site:{image['site_packages']}" if image.get("site_packages") else bool(image.get("python"))


def image_layers(cache: Path, image: dict, sets: dict) -> list[dict]:
    """The layers of an IMAGES entry: its set from ``layer_sets`` (by "site_packages", else "python"), then its
    own "layers"."""
    return sets[_set_key(image)] + [_extra_layer(cache, name) for name in image.get("layers", [])]


def layer_sets(cache: Path) -> dict:
    """Layers of an image without and with Python ("python" in IMAGES: False, True) and of the site-packages
    images ("site:NAME"), each with its history text."""
    busybox = [{**_busybox_layer(cache), "what": "busybox-static stand-in"}]
    python = busybox + [{**_python_layer(cache), "what": "Debian bookworm python3.11"}]
    standins = python + [{**_standin_layer(cache), "what": "stand-in programs (simlab/standins/engines)"}]
    _verify_python_image(cache, standins)
    sets = {False: busybox, True: standins}
    for name in sorted({i["site_packages"] for i in catalog.IMAGES if i.get("site_packages")}):
        layers = python + [{**_python_libs_layer(cache), "what": "Debian bookworm libraries for Python's stdlib"},
                           {**_site_packages_layer(cache, name),
                            "what": f"site-packages from the wheelhouse: {' '.join(catalog.SITE_PACKAGES[name])}"}]
        _verify_python_image(cache, layers, SITE_PACKAGES_CHECKS[name])
        sets[f"site:{name}"] = layers
    return sets
