"""simlab.mirror.push_images() against a real Debian docker-registry on 127.0.0.1.

Needs /usr/bin/docker-registry and the busybox-static .deb (from the default
cache if present, else `apt-get download`); skipped when either is missing.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest

from simlab import mirror

REGISTRY_BIN = shutil.which("docker-registry") or "/usr/bin/docker-registry"
pytestmark = pytest.mark.skipif(not os.path.exists(REGISTRY_BIN), reason="needs Debian docker-registry")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    seed = Path("/var/cache/sparklab-sim/downloads")
    if seed.is_dir():  # speed only: build works without it
        (cache / "downloads").mkdir()
        for deb in seed.glob(f"{mirror.BUSYBOX_PACKAGE}_*.deb"):
            shutil.copy(deb, cache / "downloads" / deb.name)
    old = os.environ.get("SPARKLAB_SIM_CACHE")
    os.environ["SPARKLAB_SIM_CACHE"] = str(cache)
    try:
        with mirror._cache() as c:
            try:
                mirror._busybox_deb(c)
            except RuntimeError as e:
                pytest.skip(f"busybox-static not available: {e}")
        yield cache
    finally:
        if old is None:
            os.environ.pop("SPARKLAB_SIM_CACHE", None)
        else:
            os.environ["SPARKLAB_SIM_CACHE"] = old


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    root = tmp_path_factory.mktemp("registry")
    port = _free_port()
    cfg = root / "config.yml"
    cfg.write_text(f"""version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root / 'data'}
http:
  addr: 127.0.0.1:{port}
""")
    proc = subprocess.Popen([REGISTRY_BIN, "serve", str(cfg)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2).read()
                break
            except OSError:
                assert proc.poll() is None, "docker-registry exited"
                assert time.monotonic() < deadline, "docker-registry did not start"
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _get(url, accept=None):
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read(), r.headers


def test_push_twice_and_read_back(cache, registry):
    first = mirror._push(registry)
    assert first["manifests_put"] == len(mirror.IMAGES)
    assert first["blobs_uploaded"] >= 2
    second = mirror._push(registry)
    assert second["blobs_uploaded"] == 0 and second["blobs_mounted"] == 0
    assert second["manifests_put"] == 0 and second["manifests_present"] == len(mirror.IMAGES)
    mirror.push_images(registry)  # public entry point, returns None

    base = f"http://{registry}/v2"
    catalog = json.loads(_get(f"{base}/_catalog")[0])["repositories"]
    assert sorted(catalog) == sorted(i["repository"] for i in mirror.IMAGES)
    assert ("nvidia/pytorch", "25.11-py3") in {(i["repository"], i["tag"]) for i in mirror.IMAGES}
    assert ("nvidia/cuda", "13.0.1-runtime-ubuntu24.04") in {(i["repository"], i["tag"]) for i in mirror.IMAGES}

    for image in mirror.IMAGES:
        repo = image["repository"]
        body, headers = _get(f"{base}/{repo}/manifests/{image['tag']}", accept=mirror.MEDIA_MANIFEST)
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        assert headers["Docker-Content-Digest"] == digest
        assert headers["Content-Type"] == mirror.MEDIA_MANIFEST
        manifest = json.loads(body)
        assert manifest["schemaVersion"] == 2 and manifest["mediaType"] == mirror.MEDIA_MANIFEST
        # by digest, too
        assert _get(f"{base}/{repo}/manifests/{digest}", accept=mirror.MEDIA_MANIFEST)[0] == body

        cfg_bytes, _ = _get(f"{base}/{repo}/blobs/{manifest['config']['digest']}")
        assert "sha256:" + hashlib.sha256(cfg_bytes).hexdigest() == manifest["config"]["digest"]
        assert len(cfg_bytes) == manifest["config"]["size"]
        cfg = json.loads(cfg_bytes)
        assert cfg["architecture"] == "amd64" and cfg["os"] == "linux"
        assert cfg["config"]["Cmd"] == ["sh"]
        assert cfg["config"]["Labels"]["org.sparklab.standin"] == "true"

        (layer_desc,) = manifest["layers"]
        assert layer_desc["mediaType"] == mirror.MEDIA_LAYER
        blob, _ = _get(f"{base}/{repo}/blobs/{layer_desc['digest']}")
        assert "sha256:" + hashlib.sha256(blob).hexdigest() == layer_desc["digest"]
        assert len(blob) == layer_desc["size"]
        raw = gzip.decompress(blob)
        assert "sha256:" + hashlib.sha256(raw).hexdigest() == cfg["rootfs"]["diff_ids"][0]
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            members = {m.name: m for m in tar.getmembers()}
        assert members["bin/busybox"].isfile() and members["bin/busybox"].mode == 0o755
        for applet in ("sh", "true", "echo", "cat", "sleep", "hostname"):
            m = members[f"bin/{applet}"]
            assert m.issym() and m.linkname == "/bin/busybox", applet
        assert members["tmp"].mode == 0o1777 and "etc/passwd" in members


def test_layer_is_cached_and_reproducible(cache):
    with mirror._cache() as c:
        a = mirror._layer(c)
        b = mirror._layer(c)
    assert a == b and Path(a["path"]).is_file()
    assert str(cache) in a["path"]
    cfg1, man1 = mirror.image_blobs(mirror.IMAGES[0], a)
    cfg2, man2 = mirror.image_blobs(mirror.IMAGES[0], b)
    assert (cfg1, man1) == (cfg2, man2)
