"""The stand-in images' layers, built without a Docker engine and cached in the lab cache (``<cache>/layers``)
under a hash of what they are made from, so an edited stand-in gives a new layer:

1. busybox-static with its applets as links (sh, true, echo, cat, sleep, hostname, ...): every image;
2. Debian bookworm's python3.11 and the libraries it needs (``PYTHON_PACKAGES``, ``apt-get download`` +
   ``dpkg-deb -x``, docs and gconv left out), ``/usr/bin/python3``: ``"python": True`` images;
3. the stand-in programs (``catalog.STANDIN_FILES``, ``catalog.STANDIN_LINKS``): ``"python": True`` images;
4. an image's own layers (``catalog.IMAGE_LAYERS`` named by its "layers": Ollama's binary, the services' links).

As root, the layered rootfs of a ``"python"`` image is checked once in a chroot (``IMAGE_CHECKS``).
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import tempfile
from pathlib import Path

from . import catalog
from .archives import files_tar, gzip_bytes, tar_member
from .host_tools import log, run, sha256
from .image_manifests import BASE_ENV

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
                "usr/lib/x86_64-linux-gnu/gconv")  # glibc charset modules (8 MB), unused with UTF-8
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


def _cached_layer(cache: Path, key: str, make_tar) -> dict:
    """{file, digest, diff_id, size, path} of the layer cached as ``key``; ``make_tar()`` gives the tar
    when it is missing or its blob is broken."""
    layers = cache / "layers"
    layers.mkdir(parents=True, exist_ok=True)
    meta_path = layers / f"{key}.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        blob = layers / meta["file"]
        if blob.is_file() and "sha256:" + sha256(blob.read_bytes()) == meta["digest"]:
            meta["path"] = str(blob)
            return meta
    tar_bytes = make_tar()
    blob_bytes = gzip_bytes(tar_bytes)
    digest = "sha256:" + sha256(blob_bytes)
    blob = layers / f"{digest[7:]}.tar.gz"
    blob.write_bytes(blob_bytes)
    meta = {"file": blob.name, "digest": digest, "diff_id": "sha256:" + sha256(tar_bytes),
            "size": len(blob_bytes)}
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    meta["path"] = str(blob)
    return meta


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


def _python_layer(cache: Path) -> dict:
    """Debian's python3.11 and the libraries it needs (PYTHON_PACKAGES), plus /usr/bin/python3."""
    debs = _debs(cache, PYTHON_PACKAGES)
    key = sha256("\n".join(["python-layer/1", *PYTHON_PRUNE, *(sha256(d.read_bytes()) for d in debs)])
                 .encode())[:24]

    def make_tar() -> bytes:
        raw = io.BytesIO()
        with tempfile.TemporaryDirectory(dir=cache / "layers") as tmp, \
                tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            root = Path(tmp)
            for deb in debs:
                run(["dpkg-deb", "-x", deb, root])
            (root / "usr/bin/python3").symlink_to("python3.11")
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


def _standin_layer(cache: Path) -> dict:
    """The stand-in programs (STANDIN_FILES, STANDIN_LINKS); keyed by their content, so an edit re-pushes."""
    tar_bytes = files_tar(catalog.STANDIN_FILES, catalog.STANDIN_LINKS)
    return _cached_layer(cache, "standin-" + sha256(tar_bytes)[:24], lambda: tar_bytes)


def _verify_python_image(cache: Path, layers: list[dict]) -> None:
    """Run IMAGE_CHECKS in a chroot of ``layers``, once per layer set; needs root (else only a warning)."""
    marker = cache / "layers" / ("verified-" + sha256("".join(la["digest"] for la in layers).encode())[:24])
    if marker.exists():
        return
    if os.geteuid() != 0:
        log.warning("not root: stand-in image layers not checked in a chroot")
        return
    with tempfile.TemporaryDirectory(dir=cache / "layers") as root:
        for layer in layers:
            run(["tar", "-xzf", layer["path"], "-C", root])
        for command in IMAGE_CHECKS:
            check = run(["chroot", root, "/bin/sh", "-c", command], check=False, text=True,
                        env={"PATH": BASE_ENV[0].split("=", 1)[1], "HOME": "/root"})
            if check.returncode != 0:
                raise RuntimeError(f"stand-in image layers do not work: `{command}` in a chroot failed "
                                   f"({check.returncode}): {check.stdout}{check.stderr}")
    marker.touch()


def _extra_layer(cache: Path, name: str) -> dict:
    """IMAGE_LAYERS[name]: an image's own files and links; keyed by their content, like the stand-in layer."""
    spec = catalog.IMAGE_LAYERS[name]
    tar_bytes = files_tar(spec.get("files", []), spec.get("links", {}),
                          {"version": spec["version"]} if "version" in spec else None)
    return {**_cached_layer(cache, f"extra-{sha256(tar_bytes)[:24]}", lambda: tar_bytes),
            "what": f"stand-in layer {name!r}"}


def image_layers(cache: Path, image: dict, sets: dict[bool, list[dict]]) -> list[dict]:
    """The layers of an IMAGES entry: ``sets`` (from ``layer_sets``) by "python", then its own "layers"."""
    return sets[bool(image.get("python"))] + [_extra_layer(cache, name) for name in image.get("layers", [])]


def layer_sets(cache: Path) -> dict[bool, list[dict]]:
    """Layers of an image without and with Python ("python" in IMAGES), each with its history text."""
    busybox = [{**_busybox_layer(cache), "what": "busybox-static stand-in"}]
    python = busybox + [{**_python_layer(cache), "what": "Debian bookworm python3.11"},
                        {**_standin_layer(cache), "what": "stand-in programs (simlab/standins/engines)"}]
    _verify_python_image(cache, python)
    return {False: busybox, True: python}
