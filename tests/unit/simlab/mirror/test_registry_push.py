"""simlab.mirror.registry_push.push_images() against a real Debian docker-registry on 127.0.0.1.

Needs /usr/bin/docker-registry and the .debs of the layers (from the default cache if present, else
`apt-get download`); skipped when either is missing.
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

import pytest

from simlab.mirror import registry_push
from simlab.mirror.catalog import IMAGES
from simlab.mirror.image_manifests import MEDIA_LAYER, MEDIA_MANIFEST, pull_name

REGISTRY_BIN = shutil.which("docker-registry") or "/usr/bin/docker-registry"
pytestmark = pytest.mark.skipif(not os.path.exists(REGISTRY_BIN), reason="needs Debian docker-registry")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    # Docker Hub's nvidia/cuda and nvcr.io's are one repository in the lab registry (the path without the host):
    # the twin entries are one image, pushed once (test_catalog keeps them identical).
    pushed = len({(i["repository"], i["tag"]) for i in IMAGES})
    first = registry_push.push_all(registry)
    assert first["manifests_put"] == pushed
    own = {name for i in IMAGES for name in i.get("layers", [])}
    sites = {i["site_packages"] for i in IMAGES if i.get("site_packages")}
    # each layer once (busybox, python, stand-ins; the libraries and site-packages), then a config per image
    assert first["blobs_uploaded"] == 3 + len(own) + (1 + len(sites) if sites else 0) + pushed
    assert first["blobs_mounted"] > 0  # shared layers are mounted across repositories, not uploaded again
    second = registry_push.push_all(registry)
    assert second["blobs_uploaded"] == 0 and second["blobs_mounted"] == 0
    assert second["manifests_put"] == 0 and second["manifests_present"] == len(IMAGES)  # each entry finds its own
    registry_push.push_images(registry)  # public entry point, returns None

    base = f"http://{registry}/v2"
    catalog = json.loads(_get(f"{base}/_catalog")[0])["repositories"]
    assert sorted(catalog) == sorted({i["repository"] for i in IMAGES})
    pulls = {pull_name(i) for i in IMAGES}
    assert pulls >= {"nvcr.io/nvidia/pytorch:25.11-py3", "nvcr.io/nvidia/cuda:13.0.1-runtime-ubuntu24.04",
                     "nvcr.io/nvidia/vllm:26.05.post1-py3", "nvcr.io/nvidia/tensorrt-llm/release:1.3.0rc13",
                     "nvcr.io/nvidia/tensorrt-llm/release:1.3.0rc12", "docker.io/lmsysorg/sglang:latest-cu130",
                     "nvcr.io/nim/meta/llama-3.1-8b-instruct-dgx-spark:latest", "ghcr.io/open-webui/open-webui:main",
                     "ghcr.io/ggml-org/llama.cpp:server-cuda", "quay.io/coreos/etcd:v3.5.5",
                     "docker.io/library/arangodb:latest", "docker.io/ollama/ollama:0.12.6"}

    for image in IMAGES:
        repo = image["repository"]
        body, headers = _get(f"{base}/{repo}/manifests/{image['tag']}", accept=MEDIA_MANIFEST)
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        assert headers["Docker-Content-Digest"] == digest
        assert headers["Content-Type"] == MEDIA_MANIFEST
        manifest = json.loads(body)
        assert manifest["schemaVersion"] == 2 and manifest["mediaType"] == MEDIA_MANIFEST
        # by digest, too
        assert _get(f"{base}/{repo}/manifests/{digest}", accept=MEDIA_MANIFEST)[0] == body

        cfg_bytes, _ = _get(f"{base}/{repo}/blobs/{manifest['config']['digest']}")
        assert "sha256:" + hashlib.sha256(cfg_bytes).hexdigest() == manifest["config"]["digest"]
        assert len(cfg_bytes) == manifest["config"]["size"]
        cfg = json.loads(cfg_bytes)
        assert cfg["architecture"] == "amd64" and cfg["os"] == "linux"
        assert cfg["config"]["Labels"]["org.sparklab.standin"] == "true"
        assert len(cfg["history"]) == len(manifest["layers"]) == len(cfg["rootfs"]["diff_ids"])
        first_own = 4 if image.get("site_packages") else 3 if image.get("python") else 1
        assert len(manifest["layers"]) == first_own + len(image.get("layers", []))
        if not image.get("python") and not image.get("site_packages"):  # the Level-1 images are busybox only
            assert cfg["config"]["Cmd"] == ["sh"] and "Entrypoint" not in cfg["config"]

        blobs = []
        for layer_desc, diff_id in zip(manifest["layers"], cfg["rootfs"]["diff_ids"]):
            assert layer_desc["mediaType"] == MEDIA_LAYER
            blob, _ = _get(f"{base}/{repo}/blobs/{layer_desc['digest']}")
            assert "sha256:" + hashlib.sha256(blob).hexdigest() == layer_desc["digest"]
            assert len(blob) == layer_desc["size"]
            if len(blob) < 64 << 20:  # the site-packages layer (~400 MB): its digest is enough here
                assert "sha256:" + hashlib.sha256(gzip.decompress(blob)).hexdigest() == diff_id
            blobs.append(blob)
        blob = blobs[2 if image.get("python") else 0]  # then the image's own layers, if any
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob))) as tar:
            members = {m.name: m for m in tar.getmembers()}
        if image.get("python"):  # the third layer: the stand-in programs
            assert members["opt/sparklab-standin/standin_engines.py"].mode == 0o755
            assert members["usr/local/bin/vllm"].linkname == "/opt/sparklab-standin/standin_engines.py"
            assert members["bin/bash"].isfile()
        else:
            assert members["bin/busybox"].isfile() and members["bin/busybox"].mode == 0o755
            for applet in ("sh", "true", "echo", "cat", "sleep", "hostname"):
                m = members[f"bin/{applet}"]
                assert m.issym() and m.linkname == "/bin/busybox", applet
            assert members["tmp"].mode == 0o1777 and "etc/passwd" in members
