"""The PyPI wheelhouse served at ``files/wheels/`` (the hosts cannot reach PyPI): ``catalog.WHEELS`` and their
dependencies, downloaded once per list into the lab cache for the hosts' Python (``catalog.HOST_PYTHON``)."""
from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

from .catalog import HOST_PYTHON, WHEELS
from .host_tools import run


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
        run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--python-version", HOST_PYTHON,
             "--dest", str(house), *WHEELS])
        (house / ".complete").touch()
    return house


def copy_wheelhouse(cache: Path, target: Path) -> None:
    """The wheelhouse (downloaded first if missing) at ``target``, hard-linked from the cache."""
    shutil.copytree(_wheelhouse(cache), target, copy_function=_link_or_copy)
