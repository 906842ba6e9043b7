"""Fixtures of the mirror tests: a mirror built once (``built``), a lab cache holding the image layers'
.debs (``cache``), both in temporary directories, and the image configs (``image_config``).

For speed only, both start from what the default lab cache already holds (hard links): the layers' .debs, the
wheelhouse (with DeepSpeed built from its sdist) and the CPU PyTorch image's site-packages layer; without it they
download and build everything."""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from simlab.mirror.catalog import GIT_REPOS, IMAGE_ARCH, IMAGES, UPSTREAM_DEBS
from simlab.mirror.image_layers import BUSYBOX_PACKAGE, PYTHON_LIBS, PYTHON_PACKAGES, _debs
from simlab.mirror.image_manifests import image_blobs
from simlab.mirror.lab_cache import locked_cache
from simlab.mirror.served_tree import build

LAB_CACHE = Path("/var/cache/sparklab-sim")


def _link_tree(src: Path, dst: Path) -> None:
    def link(a, b):
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)
    shutil.copytree(src, dst, copy_function=link, dirs_exist_ok=True)


def seed_from_lab_cache(cache: Path) -> None:
    """Hard links to the default lab cache's finished wheelhouses and site-packages layers (speed only)."""
    wheels = LAB_CACHE / "wheels"
    for house in sorted(wheels.glob("*/.complete")) if wheels.is_dir() else []:
        _link_tree(house.parent, cache / "wheels" / house.parent.name)
    layers = LAB_CACHE / "layers"
    for meta in sorted(layers.glob("site-*.json")) + sorted(layers.glob("resolved-*.json")):
        (cache / "layers").mkdir(parents=True, exist_ok=True)
        shutil.copy(meta, cache / "layers" / meta.name)
        blob = json.loads(meta.read_text()).get("file") if meta.name.startswith("site-") else None
        if blob and (layers / blob).is_file() and not (cache / "layers" / blob).exists():
            os.link(layers / blob, cache / "layers" / blob)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """(dest, cache, seconds) of a mirror built from scratch: its own cache, so a new key and wheelhouse.
    The cache is ``$SPARKLAB_SIM_CACHE`` only while it builds: a test that builds again sets it too."""
    if not all(shutil.which(t) for t in ("dpkg-deb", "gpg", "gpgconf")):
        pytest.skip("needs dpkg-deb and gpg")
    root = tmp_path_factory.mktemp("mirror")
    cache = root / "cache"
    seed = Path("/var/cache/sparklab-sim/downloads")
    for entry in UPSTREAM_DEBS.values():  # speed only: build downloads what is missing
        deb = seed / entry["url"].rsplit("/", 1)[1]
        if deb.is_file():
            (cache / "downloads").mkdir(parents=True, exist_ok=True)
            shutil.copy(deb, cache / "downloads" / deb.name)
    for spec in (r["sdist"] for r in GIT_REPOS.values() if "sdist" in r):  # speed only, like the .debs
        if (seed / spec["file"]).is_file():
            (cache / "downloads").mkdir(parents=True, exist_ok=True)
            shutil.copy(seed / spec["file"], cache / "downloads" / spec["file"])
    seed_from_lab_cache(cache)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPARKLAB_SIM_CACHE", str(cache))
        t0 = time.monotonic()
        build(root / "mirror")
        cold = time.monotonic() - t0
    return root / "mirror", cache, cold


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    seed = Path("/var/cache/sparklab-sim/downloads")
    if seed.is_dir():  # speed only: build works without it
        (cache / "downloads").mkdir()
        for name in (BUSYBOX_PACKAGE, *PYTHON_PACKAGES, *PYTHON_LIBS):
            for deb in seed.glob(f"{name}_*_{IMAGE_ARCH}.deb"):
                shutil.copy(deb, cache / "downloads" / deb.name)
    seed_from_lab_cache(cache)
    old = os.environ.get("SPARKLAB_SIM_CACHE")
    os.environ["SPARKLAB_SIM_CACHE"] = str(cache)
    try:
        with locked_cache() as c:
            try:
                _debs(c, [BUSYBOX_PACKAGE, *PYTHON_PACKAGES, *PYTHON_LIBS])
            except RuntimeError as e:
                pytest.skip(f"layer .debs not available: {e}")
        yield cache
    finally:
        if old is None:
            os.environ.pop("SPARKLAB_SIM_CACHE", None)
        else:
            os.environ["SPARKLAB_SIM_CACHE"] = old


@pytest.fixture
def image_config():
    """config(repository, tag): the "config" part of an IMAGES entry's image config (layers do not matter)."""
    def config(repository: str, tag: str) -> dict:
        entry = next(i for i in IMAGES if (i["repository"], i["tag"]) == (repository, tag))
        layer = {"diff_id": "sha256:0", "digest": "sha256:1", "size": 1, "what": "layer"}
        return json.loads(image_blobs(entry, [layer])[0])["config"]
    return config
