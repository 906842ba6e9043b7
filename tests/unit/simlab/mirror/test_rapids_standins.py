"""The data-science track's stand-ins in step with the roles and the lab wheelhouse: the RAPIDS wheelhouse
(catalog.RAPIDS_WHEELS) holds every package the stand-in Portfolio project's uv.lock names, at its version and
served where the lock says; the single-cell stand-in requirements and the conda stand-in install from it; uv is the
roles' pin; the lab inventory points the notebook images' pip and uv at it; the notebooks image is a site-packages
image with the real image's user and paths."""
from __future__ import annotations

import importlib.util
import io
import runpy
import tarfile
import tomllib
from pathlib import Path

import pytest

from roles.rapids_notebooks import DEFAULTS, IMAGE_USER, NOTEBOOKS
from simlab.mirror import catalog
from simlab.mirror.archives import files_tar
from simlab.mirror.image_manifests import image_blobs, pull_name

REPO = Path(__file__).resolve().parents[4]
PLAYBOOKS = catalog.STANDINS / "playbooks" / "nvidia"
HOUSE = f"{catalog.MIRROR_URL}/files/wheels-rapids/"


def _pins(requirements) -> dict[str, str]:
    return {name.lower(): version for name, version in (r.split("==") for r in requirements)}


@pytest.fixture(scope="module")
def lab() -> dict:
    return runpy.run_path(str(REPO / "inventories" / "sim_lab.py"))["sim_sparks"][1]


def test_the_portfolio_lock_is_the_wheelhouse_at_the_real_locks_versions():
    setup = PLAYBOOKS / "portfolio-optimization" / "assets" / "setup"
    lock = tomllib.loads((setup / "uv.lock").read_text())
    project = tomllib.loads((setup / "pyproject.toml").read_text())
    house = _pins(catalog.RAPIDS_WHEELS)
    locked = {p["name"]: p for p in lock["package"] if p["name"] != "cufolio"}
    assert {name: p["version"] for name, p in locked.items()} == {name: house[name] for name in locked}
    for package in locked.values():
        assert package["source"] == {"registry": HOUSE}
        assert all(w["url"].startswith(HOUSE) for w in package["wheels"])
    assert project["tool"]["uv"]["index"] == [{"name": "lab", "url": HOUSE, "format": "flat", "default": True}]
    # the real lock's versions (nvidia/portfolio-optimization/assets/setup/uv.lock at 0db7c14, Python >= 3.11)
    assert {n: house[n] for n in ("ipykernel", "numpy", "pandas", "scikit-learn", "scipy")} == {
        "ipykernel": "7.1.0", "numpy": "2.2.6", "pandas": "2.3.2", "scikit-learn": "1.7.1", "scipy": "1.16.3"}
    assert "cuda13" in project["project"]["optional-dependencies"], "the role syncs --extra cuda13"
    assert {"setuptools", "wheel"} <= house.keys(), "cufolio's build backend, for its editable install"


def test_single_cell_and_the_conda_stand_in_install_from_the_wheelhouse():
    house = _pins(catalog.RAPIDS_WHEELS)
    lines = (PLAYBOOKS / "single-cell" / "assets" / "setup" / "requirements.txt").read_text().splitlines()
    wanted = _pins(line for line in lines if line and not line.startswith("#"))
    assert wanted and {name: house.get(name) for name in wanted} == wanted
    spec = importlib.util.spec_from_file_location("standin_conda", catalog.STANDINS / "miniforge" / "conda.py")
    conda = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conda)
    pins = _pins({p for requirements in conda.PIP_FOR.values() for p in requirements})
    assert {name: house.get(name) for name in pins} == pins
    assert catalog.MINIFORGE_PIP_ARGS[:3] == ["--no-index", "--find-links", HOUSE]


def test_uv_and_the_lab_inventorys_index_options(lab):
    assert catalog.UV_VERSION == DEFAULTS["rapids_notebooks_uv_version"]
    assert f"uv=={catalog.UV_VERSION}" in catalog.RAPIDS_WHEELS
    assert "wheels-rapids" in catalog.OWN_WHEELHOUSES
    pip = lab["rapids_notebooks_pip_args"]
    assert pip[pip.index("--find-links") + 1] == HOUSE and "--no-index" in pip
    uv = lab["rapids_notebooks_uv_args"]
    assert uv == ["--no-index", "--find-links", HOUSE]
    assert "--gpus" not in lab["rapids_notebooks_docker_args"]
    assert lab["single_cell_conda_packages"] == [], "the stand-in image has no mamba"


def test_the_notebooks_image_has_the_real_images_user_and_paths():
    (image,) = [i for i in catalog.IMAGES if pull_name(i) == DEFAULTS["rapids_notebooks_image"]]
    assert image["user"] == IMAGE_USER and NOTEBOOKS == f"/home/{IMAGE_USER}/notebooks"
    assert "jupyterlab==4.5.5" in catalog.SITE_PACKAGES[image["site_packages"]]
    config, _ = image_blobs(image, [{"diff_id": "sha256:0", "digest": "sha256:0", "size": 0, "what": "x"}])
    assert b'"User":"rapids"' in config and b'"WorkingDir":"/home/rapids"' in config
    layer = catalog.IMAGE_LAYERS["rapids-notebooks"]
    passwd = (catalog.STANDINS / "rapids-notebooks" / "passwd").read_text()
    assert "rapids:x:1001:1000::/home/rapids:/bin/sh" in passwd and passwd.startswith("root:x:0:0:")
    with tarfile.open(fileobj=io.BytesIO(files_tar(layer["files"], layer["links"], None, layer["owners"]))) as tar:
        owners = {m.name: (m.uid, m.gid) for m in tar.getmembers()}
    assert owners["home/rapids"] == owners["home/rapids/notebooks"] == (1001, 1000)
    assert owners["home"] == owners["etc/passwd"] == (0, 0)
