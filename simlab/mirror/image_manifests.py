"""The config and manifest JSON of a stand-in image (Docker image manifest v2, schema 2) for an
``catalog.IMAGES`` entry, and the name the lab hosts pull it by."""
from __future__ import annotations

import json
import time

from .archives import FIXED_EPOCH
from .catalog import IMAGE_ARCH
from .host_tools import sha256

MEDIA_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MEDIA_CONFIG = "application/vnd.docker.container.image.v1+json"
MEDIA_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
BASE_ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_DRIVER_CAPABILITIES=compute,utility"]


def _canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def image_blobs(image: dict, layers: list[dict]) -> tuple[bytes, bytes]:
    """(config JSON, manifest JSON) bytes of one stand-in image made of ``layers`` (see image_layers)."""
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(FIXED_EPOCH))
    ref = f"{image['repository']}:{image['tag']}"
    config = {
        "Env": BASE_ENV + list(image.get("env", [])),
        "WorkingDir": image.get("working_dir", "/"),
        "Labels": {"org.sparklab.standin": "true", "org.sparklab.standin.image": ref,
                   **image.get("labels", {})},
    }
    if image.get("cmd", ["sh"]):
        config["Cmd"] = image.get("cmd", ["sh"])
    if image.get("entrypoint"):
        config["Entrypoint"] = image["entrypoint"]
    if image.get("user"):
        config["User"] = image["user"]
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
                   "digest": "sha256:" + sha256(config_bytes)},
        "layers": [{"mediaType": MEDIA_LAYER, "size": la["size"], "digest": la["digest"]} for la in layers],
    }, indent=3).encode()
    return config_bytes, manifest


def pull_name(image: dict) -> str:
    """The name a lab host pulls an IMAGES entry by (e.g. ``ghcr.io/open-webui/open-webui:main``)."""
    return f"{image['registry']}/{image['repository']}:{image['tag']}"
