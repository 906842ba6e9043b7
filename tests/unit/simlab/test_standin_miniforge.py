"""The Miniforge installer stand-in (simlab/standins/miniforge/) as simlab.mirror.http_files builds it: installed the
way roles/rapids.py installs Miniforge (`bash installer -b -u -p PREFIX`), then its `conda` stand-in running the
role's own command lines: `conda create` makes a real venv with the packages standing for RAPIDS (pip, from a
find-links directory of small wheels here, the lab wheelhouse there) and the stand-in cudf/cuml modules, and
`conda run -n ENV python -c 'import cudf, cuml'` works and says they are stand-ins."""
from __future__ import annotations

import importlib.util
import json
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from roles.rapids import DEFAULTS
from simlab.mirror import catalog
from simlab.mirror.host_tools import sha256
from simlab.mirror.http_files import contents, miniforge_installer
from sparklab.track_checks import RAPIDS_IMPORTS, conda_run

INVENTORY = catalog.STANDINS.parent.parent / "inventories" / "sim_lab.py"
ENV = DEFAULTS["rapids_conda_env"]


def _wheel(house: Path, name: str, version: str, modules: dict[str, str]) -> None:
    """A small pure-Python wheel ``name==version`` with ``modules`` (path -> source)."""
    dist = f"{name.replace('-', '_')}-{version}"
    with zipfile.ZipFile(house / f"{dist}-py3-none-any.whl", "w") as z:
        for path, source in modules.items():
            z.writestr(path, source)
        z.writestr(f"{dist}.dist-info/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        z.writestr(f"{dist}.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                              "Tag: py3-none-any\n")
        z.writestr(f"{dist}.dist-info/RECORD", "")


@pytest.fixture(scope="module")
def prefix(tmp_path_factory):
    """Miniforge's stand-in installed into a prefix, its pip pointed at small pandas and scikit-learn wheels."""
    root = tmp_path_factory.mktemp("miniforge")
    installer = root / f"Miniforge3-{catalog.MINIFORGE_VERSION}-Linux-x86_64.sh"
    installer.write_bytes(miniforge_installer())
    prefix = root / "miniforge3"
    done = subprocess.run(["bash", str(installer), "-b", "-u", "-p", str(prefix)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0 and "installation finished." in done.stdout, done.stderr
    house = root / "wheels"
    house.mkdir()
    _wheel(house, "pandas", "2.3.2", {"pandas/__init__.py": "__version__ = '2.3.2'\n"
                                                            "class DataFrame(dict):\n    pass\n"})
    _wheel(house, "scikit-learn", "1.7.1", {"sklearn/__init__.py": "__version__ = '1.7.1'\n",
                                            "sklearn/cluster.py": "class KMeans:\n    pass\n"})
    config = json.loads((prefix / ".sparklab-standin.json").read_text())
    assert config["pip_args"] == catalog.MINIFORGE_PIP_ARGS
    config["pip_args"] = ["--no-index", "--find-links", str(house)]
    (prefix / ".sparklab-standin.json").write_text(json.dumps(config))
    return prefix


def conda(prefix: Path, *args: str) -> subprocess.CompletedProcess:
    """bin/conda run by this interpreter (on a host: /usr/bin/python3, its shebang)."""
    return subprocess.run([sys.executable, str(prefix / "bin" / "conda"), *args], capture_output=True, text=True,
                          timeout=300, check=False)


def _role_create(prefix: Path) -> list[str]:
    """roles/rapids.py's `conda create` arguments with its default channels and specs."""
    channels = [a for c in DEFAULTS["rapids_conda_channels"] for a in ("-c", c)]
    return ["create", "-y", "-q", "-n", ENV, "--override-channels", *channels, *DEFAULTS["rapids_conda_packages"]]


@pytest.fixture(scope="module")
def created(prefix):
    return conda(prefix, *_role_create(prefix))


def test_installer_is_reproducible_and_served_under_the_release_names():
    served = contents()
    installer = miniforge_installer()
    assert installer == miniforge_installer() and installer.startswith(b"#!/bin/sh\n# LAB FIXTURE")
    for arch in ("x86_64", "aarch64"):
        name = f"Miniforge3-{catalog.MINIFORGE_VERSION}-Linux-{arch}.sh"
        assert served[f"miniforge/{catalog.MINIFORGE_VERSION}/{name}"] == installer
        assert served[f"miniforge/{catalog.MINIFORGE_VERSION}/{name}.sha256"] == \
            f"{sha256(installer)}  {name}\n".encode()


def test_lab_inventory_pins_this_installer():
    text = INVENTORY.read_text()
    assert f'"rapids_miniforge_sha256": {{"x86_64": "{sha256(miniforge_installer())}"}}' in text, \
        "the installer stand-in changed: put its sha256 in inventories/sim_lab.py"
    assert f'"rapids_miniforge_url": "{catalog.MIRROR_URL}/files/miniforge/{{version}}/' \
           'Miniforge3-{version}-Linux-{arch}.sh"' in text
    assert DEFAULTS["rapids_miniforge_version"] == catalog.MINIFORGE_VERSION


def test_installer_refuses_an_existing_prefix_without_u(prefix):
    installer = prefix.parent / f"Miniforge3-{catalog.MINIFORGE_VERSION}-Linux-x86_64.sh"
    again = subprocess.run(["bash", str(installer), "-b", "-p", str(prefix)], capture_output=True, text=True,
                           check=False)
    assert again.returncode == 1 and f"File or directory already exists: '{prefix}'" in again.stderr
    assert (prefix / "condabin" / "conda").resolve() == (prefix / "bin" / "conda").resolve()
    assert conda(prefix, "--version").stdout == "conda 26.3.2 (sparklab stand-in)\n"


def test_create_makes_a_venv_with_the_cpu_packages_and_says_what_it_leaves_out(prefix, created):
    assert created.returncode == 0, created.stderr
    env = prefix / "envs" / ENV
    assert (env / "pyvenv.cfg").is_file() and (env / "conda-meta" / "history").is_file()
    assert "pip install pandas==2.3.2 scikit-learn==1.7.1 (real, CPU)" in created.stdout
    assert ("not installed (conda-only or needs CUDA): python=3.12 cuda-version=13.0 jupyter=1.1.1 hdbscan=0.8.43 "
            "umap-learn=0.5.12") in created.stdout
    listed = conda(prefix, "env", "list").stdout
    assert f"{ENV} " in listed and str(env) in listed


def test_the_roles_check_runs_in_the_environment_and_the_modules_say_they_are_stand_ins(prefix, created):
    argv = conda_run(DEFAULTS["rapids_conda_prefix"], ENV, RAPIDS_IMPORTS)
    assert argv[1:] == ["run", "-n", ENV, "python", "-c", "import cudf, cuml"]
    check = conda(prefix, *argv[1:])
    assert check.returncode == 0, check.stderr
    assert "cudf: sparklab stand-in" in check.stderr and "cuml: sparklab stand-in" in check.stderr
    probe = ("import os, cudf, cuml; print(cudf.__version__, cudf.DataFrame.__module__, cuml.KMeans.__module__, "
             "os.environ['CONDA_DEFAULT_ENV'])")
    out = conda(prefix, "run", "-n", ENV, "python", "-c", probe)
    assert out.stdout.split() == ["26.06.00", "pandas", "sklearn.cluster", ENV], out.stderr
    missing = conda(prefix, "run", "-n", ENV, "python", "-c", "import cuml; cuml.NotAnEstimator")
    assert missing.returncode == 1 and "(sparklab stand-in) has no attribute 'NotAnEstimator'" in missing.stderr


def test_run_in_a_missing_environment_and_bad_command_lines_fail(prefix):
    missing = conda(prefix, "run", "-n", "nope", "python", "-V")
    assert missing.returncode == 1 and "EnvironmentLocationNotFound" in missing.stderr
    assert conda(prefix, "create", "-n", "x", "--no-such-flag", "rapids").returncode == 2


def test_env_remove(prefix, created):
    assert conda(prefix, *_role_create(prefix)[:1], "-y", "-n", "scratch", "pandas").returncode == 0
    removed = conda(prefix, "env", "remove", "-y", "-n", "scratch")
    assert removed.returncode == 0 and not (prefix / "envs" / "scratch").exists()
    assert (prefix / "envs" / ENV).is_dir()


def test_the_role_command_lines_parse_as_the_role_writes_them():
    """The create command as roles/rapids.py quotes it in its shell step (with channels that need quoting)."""
    words = shlex.split("conda create -y -q -n rapids-test --override-channels -c 'http://mirror/conda forge' x=1")
    spec = importlib.util.spec_from_file_location("standin_conda", catalog.STANDINS / "miniforge" / "conda.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    args = module.parser().parse_args(words[1:])
    assert args.channel == ["http://mirror/conda forge"] and args.specs == ["x=1"] and args.override_channels
