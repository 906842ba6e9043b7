"""Upstream .debs the mirror serves unchanged (``catalog.UPSTREAM_DEBS``, named by a repo's "upstream_debs"):
downloaded once into the lab cache (``<cache>/downloads/``) and checked against the pinned size and sha256 on
every build, so a corrupt or substituted file is fetched again, never served."""
from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.request
from pathlib import Path

from . import catalog
from .host_tools import log

TIMEOUT = 120


def _matches(path: Path, entry: dict) -> bool:
    if not path.is_file() or path.stat().st_size != entry["size"]:
        return False
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest() == entry["sha256"]


def fetch(cache: Path, name: str) -> Path:
    """The verified .deb of UPSTREAM_DEBS[name] in ``cache``/downloads, downloaded when missing or wrong."""
    entry = catalog.UPSTREAM_DEBS[name]
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    target = downloads / entry["url"].rsplit("/", 1)[1]
    if _matches(target, entry):
        return target
    log.info("downloading %s", entry["url"])
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=downloads)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(entry["url"], timeout=TIMEOUT) as resp:
            for block in iter(lambda: resp.read(1 << 20), b""):
                out.write(block)
        if not _matches(Path(tmp), entry):
            raise RuntimeError(f"{entry['url']}: not the pinned file (size {entry['size']}, "
                               f"sha256 {entry['sha256']}); not served")
        os.replace(tmp, target)
    except OSError as e:
        raise RuntimeError(f"cannot download {entry['url']}: {e}") from e
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def used() -> list[str]:
    """The UPSTREAM_DEBS some repo serves, in catalog order."""
    wanted = {n for repo in catalog.REPOS.values() for n in repo.get("upstream_debs", [])}
    unknown = wanted - set(catalog.UPSTREAM_DEBS)
    if unknown:
        raise ValueError(f"REPOS name upstream .debs that UPSTREAM_DEBS lacks: {sorted(unknown)}")
    return [n for n in catalog.UPSTREAM_DEBS if n in wanted]
