"""``files/wheels/``: ``catalog.WHEELS`` and their dependencies for the hosts' CPython (``catalog.HOST_PYTHON``,
x86_64), downloaded with pip once per WHEELS list into the lab cache (``<cache>/wheels/<key>/``).

Packages PyPI has only as an sdist (``catalog.SDIST_WHEELS``: DeepSpeed) are built here into a wheel
(``pip wheel --no-deps --no-build-isolation`` in a throw-away venv holding their build requirements, installed
from the wheelhouse: CPU torch), cached apart (``<cache>/wheels/built-<key>/``), then put in the wheelhouse so
that a second ``pip download`` adds their dependencies. ``resolve(house, requirements)`` gives the wheels pip
would install for ``requirements`` from the wheelhouse alone (the stand-in PyTorch image's site-packages).

``catalog.OWN_WHEELHOUSES`` are resolutions of their own (LLaMA Factory's: torch 2.11, transformers <=5.6, ...),
downloaded once per list into ``<cache>/wheels/<name>-<key>/`` and served at ``files/<name>/`` (``copy_own``).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import urllib.parse
from pathlib import Path

from .catalog import HOST_PYTHON, NO_DEPS_WHEELS, OWN_WHEELHOUSES, SDIST_WHEELS, WHEELS
from .host_tools import log, run


def _link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _key(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _download(house: Path, requirements: list[str]) -> None:
    # --find-links house: the wheels built from sdists, already there, satisfy their own pins
    run([sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--python-version", HOST_PYTHON,
         "--find-links", str(house), "--dest", str(house), *requirements])


def _built_wheel(cache: Path, requirement: str, house: Path) -> Path:
    """The wheel of ``requirement`` (an SDIST_WHEELS key) built from its sdist; cached apart from the wheelhouse."""
    build_requires = SDIST_WHEELS[requirement]
    built = cache / "wheels" / f"built-{_key(HOST_PYTHON, requirement, *build_requires)}"
    name = requirement.split("==")[0]
    if not (built / ".complete").exists():
        shutil.rmtree(built, ignore_errors=True)
        built.mkdir(parents=True)
        log.info("building a wheel of %s from its sdist", requirement)
        with tempfile.TemporaryDirectory(dir=built) as tmp:
            venv, sdists = Path(tmp) / "venv", Path(tmp) / "sdist"
            run([sys.executable, "-m", "venv", venv])
            pip = [str(venv / "bin" / "python"), "-m", "pip"]
            run([*pip, "install", "-q", "--no-index", "--find-links", str(house), *build_requires])
            run([*pip, "download", "-q", "--no-deps", "--no-binary=:all:", "--dest", str(sdists), requirement])
            (sdist,) = sdists.iterdir()
            run([*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "--wheel-dir", str(built),
                 str(sdist)], env={**os.environ, "DS_BUILD_OPS": "0"})
        (built / ".complete").touch()
    found = sorted(built.glob(f"{name.replace('-', '_')}-*.whl"))
    if not found:
        raise RuntimeError(f"building {requirement} from its sdist left no wheel in {built}")
    return found[-1]


def _wheelhouse(cache: Path) -> Path:
    """The WHEELS and their dependencies, downloaded from PyPI once per WHEELS list (SDIST_WHEELS built here)."""
    key = _key(HOST_PYTHON, *WHEELS, *(f"{r} <- {' '.join(b)}" for r, b in SDIST_WHEELS.items()))
    house = cache / "wheels" / key
    if not (house / ".complete").exists():
        shutil.rmtree(house, ignore_errors=True)
        house.mkdir(parents=True)
        _download(house, [w for w in WHEELS if w not in SDIST_WHEELS])
        for requirement in SDIST_WHEELS:
            wheel = _built_wheel(cache, requirement, house)
            _link_or_copy(wheel, house / wheel.name)
        if SDIST_WHEELS:
            _download(house, WHEELS)  # the built wheels' dependencies
        (house / ".complete").touch()
    return house


def _no_deps_wheels(cache: Path) -> Path:
    """NO_DEPS_WHEELS alone (what the roles install with --no-deps), downloaded once per list."""
    house = cache / "wheels" / f"no-deps-{_key(HOST_PYTHON, *NO_DEPS_WHEELS)}"
    if not (house / ".complete").exists():
        shutil.rmtree(house, ignore_errors=True)
        house.mkdir(parents=True)
        if NO_DEPS_WHEELS:
            run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--python-version",
                 HOST_PYTHON, "--dest", str(house), *NO_DEPS_WHEELS])
        (house / ".complete").touch()
    return house


def own_wheelhouse(cache: Path, name: str) -> Path:
    """OWN_WHEELHOUSES[name] and their dependencies, one resolution, downloaded from PyPI once per list."""
    requirements = OWN_WHEELHOUSES[name]
    house = cache / "wheels" / f"{name}-{_key(HOST_PYTHON, *requirements)}"
    if not (house / ".complete").exists():
        shutil.rmtree(house, ignore_errors=True)
        house.mkdir(parents=True)
        log.info("downloading the wheelhouse %s (%s)", name, " ".join(requirements))
        _download(house, requirements)
        (house / ".complete").touch()
    return house


def copy_own(cache: Path, target_dir: Path) -> None:
    """Each of OWN_WHEELHOUSES (downloaded first if missing) at ``target_dir/<name>``, hard-linked from the cache."""
    for name in OWN_WHEELHOUSES:
        house = own_wheelhouse(cache, name)
        (target_dir / name).mkdir(parents=True)
        for wheel in sorted(house.glob("*.whl")):
            _link_or_copy(wheel, target_dir / name / wheel.name)


def wheelhouse(cache: Path) -> Path:
    """The wheelhouse directory in the lab cache (downloaded first if missing)."""
    return _wheelhouse(cache)


def copy_wheelhouse(cache: Path, target: Path) -> None:
    """The wheelhouse (downloaded first if missing) at ``target``, hard-linked from the cache."""
    shutil.copytree(_wheelhouse(cache), target, copy_function=_link_or_copy)
    for wheel in sorted(_no_deps_wheels(cache).glob("*.whl")):
        if not (target / wheel.name).exists():
            _link_or_copy(wheel, target / wheel.name)


def resolve(house: Path, requirements: list[str]) -> list[Path]:
    """The wheels in ``house`` that ``pip install --no-index --find-links house REQUIREMENTS`` would install on the
    hosts' Python (a dry run), in name order."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        run([sys.executable, "-m", "pip", "install", "-q", "--dry-run", "--ignore-installed", "--target",
             str(Path(tmp) / "target"), "--report", str(report), "--no-index", "--find-links", str(house),
             "--only-binary=:all:", "--python-version", HOST_PYTHON, *requirements])
        installs = json.loads(report.read_text())["install"]
    wheels = []
    for item in installs:
        name = urllib.parse.unquote(item["download_info"]["url"].rsplit("/", 1)[-1])
        if not (house / name).is_file():  # pip's own config may name other --find-links: the same file is here
            raise RuntimeError(f"{name} ({item['metadata']['name']}) is not in the wheelhouse {house}")
        wheels.append(house / name)
    return sorted(wheels, key=lambda p: p.name.lower())
