"""``push_images(registry)``: the stand-in images (``catalog.IMAGES``) pushed with the registry HTTP API v2 to
``registry`` (``host:port``, plain HTTP, no auth) under their repository path without the registry host
(``nvidia/pytorch``, ``lmsysorg/sglang``, ``open-webui/open-webui``). Blobs the registry already has are
skipped and shared layers are mounted across repositories, so a second push uploads nothing."""
from __future__ import annotations

import http.client
import urllib.parse
from pathlib import Path

from .catalog import IMAGES
from .host_tools import log, sha256
from .image_layers import image_layers, layer_sets
from .image_manifests import MEDIA_MANIFEST, image_blobs
from .lab_cache import locked_cache


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


def push_all(registry: str) -> dict:
    """Push all IMAGES; returns counters (for tests / logs)."""
    stats = {"blobs_uploaded": 0, "blobs_mounted": 0, "blobs_present": 0,
             "manifests_put": 0, "manifests_present": 0}
    reg = _Registry(registry)
    status, _, body = reg.request("GET", "/v2/")
    reg.check(status, (200,), "GET /v2/ (is it a v2 registry without auth?)", body)
    with locked_cache() as cache:
        built = layer_sets(cache)
        per_image = [image_layers(cache, image, built) for image in IMAGES]
    where: dict[str, str] = {}
    for image, layers in zip(IMAGES, per_image):
        repo = image["repository"]
        config, manifest = image_blobs(image, layers)
        for layer in layers:
            _push_blob(reg, repo, layer["digest"], Path(layer["path"]), where, stats)
        _push_blob(reg, repo, "sha256:" + sha256(config), config, where, stats)
        want = "sha256:" + sha256(manifest)
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
    push_all(registry)
