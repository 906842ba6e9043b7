"""The RAPIDS notebooks stand-in image (its layers extracted, run in a chroot as root and as its user `rapids`, as
docker would): roles/rapids_notebooks.py's Dockerfiles, with the lab inventory's knobs, run on it step by step
against the stand-in playbook files and the RAPIDS wheelhouse (served here on 127.0.0.1 in place of the lab mirror);
the unit's JupyterLab then answers `/api` without the token and `/api/status` only with it, and lists the
"Portfolio Optimization" kernel; single-cell's requirements land in the image's own Python."""
from __future__ import annotations

import functools
import http.client
import http.server
import json
import os
import runpy
import shlex
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from roles.rapids_notebooks import DEFAULTS, NOTEBOOKS, portfolio_dockerfile, single_cell_dockerfile
from simlab.mirror import catalog, image_layers
from simlab.mirror.image_manifests import BASE_ENV, pull_name
from simlab.mirror.lab_cache import locked_cache
from simlab.mirror.wheelhouse import own_wheelhouse

REPO = Path(__file__).resolve().parents[4]
LAB_HOUSE = f"{catalog.MIRROR_URL}/files/wheels-rapids/"
PLAYBOOKS = catalog.STANDINS / "playbooks" / "nvidia"
USERS = {"root": ("0:0", "/root"), "rapids": ("1001:1000", "/home/rapids")}
TOKEN = "unit-test-class-token"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def house_url(cache):
    """The RAPIDS wheelhouse served over HTTP on 127.0.0.1, as the lab mirror serves files/wheels-rapids/."""
    with locked_cache() as c:
        house = own_wheelhouse(c, "wheels-rapids")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(house)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def root(cache, tmp_path_factory):
    """The image's layers extracted in order, with the device nodes a container has."""
    if os.geteuid() != 0 or not shutil.which("chroot"):
        pytest.skip("needs root and chroot(8) to run the image layers")
    image = next(i for i in catalog.IMAGES if pull_name(i) == DEFAULTS["rapids_notebooks_image"])
    root = tmp_path_factory.mktemp("rapids-notebooks")
    root.chmod(0o755)  # a container's /, which its user walks
    with locked_cache() as c:
        for layer in image_layers.image_layers(c, image, image_layers.layer_sets(c)):
            subprocess.run(["tar", "-xzf", layer["path"], "-C", root, "--same-owner"], check=True)
    for name, minor in (("null", 3), ("urandom", 9), ("random", 8)):
        os.mknod(root / "dev" / name, 0o666 | 0o20000, os.makedev(1, minor))
    return root


def _in_image(root: Path, user: str, workdir: str, command: str, env: dict | None = None):
    ids, home = USERS[user]
    environ = {**dict(e.split("=", 1) for e in BASE_ENV), "HOME": home, **(env or {})}
    return subprocess.run(["chroot", f"--userspec={ids}", str(root), "/bin/sh", "-c",
                           f"cd {shlex.quote(workdir)} && {command}"], capture_output=True, text=True, env=environ,
                          timeout=900, check=False)


def _ids(root: Path, owner: str) -> str:
    """COPY --chown=USER[:GROUP] as docker's classic builder resolves it, by the image's /etc/passwd and
    /etc/group: a GROUP left out is looked up by the user's name."""
    user, _, group = owner.partition(":")
    users, groups = ({line.split(":")[0]: line.split(":")[2] for line in (root / "etc" / name).read_text().splitlines()
                      if line} for name in ("passwd", "group"))
    assert user in users, f"--chown={owner}: the image has no user {user}"
    assert (group or user) in groups, f"--chown={owner}: the image has no group {group or user}"
    return f"{users[user]}:{groups[group or user]}"


def _copy(root: Path, source: Path, dest: str, owner: str | None) -> None:
    target = root / dest.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        shutil.copy(source, target)
    if owner:
        subprocess.run(["chown", "-R", _ids(root, owner), str(target)], check=True)


def _lab_data() -> SimpleNamespace:
    """roles.rapids_notebooks' knobs as the lab inventory sets them."""
    lab = runpy.run_path(str(REPO / "inventories" / "sim_lab.py"))["sim_sparks"][1]
    return SimpleNamespace(**{**DEFAULTS, **{k: v for k, v in lab.items() if k in DEFAULTS}})


def _build(root: Path, dockerfile: str, source: Path, house_url: str, scratch: Path) -> None:
    """Run ``dockerfile`` step by step on the image: USER, WORKDIR, COPY [--chown] from a copy of the stand-in
    checkout ``source``, RUN as that user; the wheelhouse's URL is the one served here."""
    context = scratch / "assets"
    shutil.copytree(source, context)
    for path in context.glob("setup/*"):
        if path.name in ("uv.lock", "pyproject.toml"):
            path.write_text(path.read_text().replace(LAB_HOUSE, house_url))
    user, workdir = "rapids", "/home/rapids"
    for line in dockerfile.replace(LAB_HOUSE, house_url).splitlines():
        word, _, rest = line.partition(" ")
        if word == "USER":
            user = rest
        elif word == "WORKDIR":
            workdir = rest
        elif word == "COPY":
            args = rest.split()
            owner = args.pop(0).removeprefix("--chown=") if args[0].startswith("--chown=") else None
            _copy(root, context / args[0], args[1], owner)
        elif word == "RUN":
            done = _in_image(root, user, workdir, rest)
            assert done.returncode == 0, f"{line}\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def built(root, house_url, tmp_path_factory):
    """The Portfolio image: the role's Dockerfile with the lab's knobs, run on the stand-in image."""
    dockerfile = portfolio_dockerfile(_lab_data())
    _build(root, dockerfile, PLAYBOOKS / "portfolio-optimization" / "assets", house_url,
           tmp_path_factory.mktemp("portfolio"))
    return dockerfile


def _get(port: int, path: str, token: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": f"token {token}"} if token else {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_portfolio_build_and_jupyterlab_with_the_class_token(root, built):
    assert "RUN uv sync --no-cache --python python3 --no-python-downloads --extra cuda13 --locked" in built
    venv = root / "home/rapids/notebooks/setup/.venv"
    assert (venv / "pyvenv.cfg").is_file() and os.stat(venv).st_uid == 1001
    kernel = json.loads((root / "home/rapids/.local/share/jupyter/kernels/portfolio-opt/kernel.json").read_text())
    assert kernel["display_name"] == "Portfolio Optimization"
    assert kernel["argv"][0] == f"{NOTEBOOKS}/setup/.venv/bin/python"
    assert (root / "home/rapids/notebooks/cvar_basic.ipynb").is_file()
    assert (root / "home/rapids/notebooks/START_HERE.md").read_text().startswith("# **Portfolio Optimization")
    probe = _in_image(root, "rapids", "/home/rapids", f"{NOTEBOOKS}/setup/.venv/bin/python -c "
                      "'import cufolio, ipykernel, pandas, sklearn; print(cufolio.STANDIN)'")
    assert probe.returncode == 0 and "stand-in of cufolio" in probe.stdout, probe.stderr

    port = _free_port()
    ids, home = USERS["rapids"]
    environ = {**dict(e.split("=", 1) for e in BASE_ENV), "HOME": home, "JUPYTER_TOKEN": TOKEN}
    # the unit's command (roles.rapids_notebooks), on a free port of this machine's loopback
    server = subprocess.Popen(["chroot", f"--userspec={ids}", str(root), "/home/rapids/entrypoint.sh", "jupyter-lab",
                               f"--notebook-dir={NOTEBOOKS}", "--ip=127.0.0.1", f"--port={port}", "--no-browser"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environ)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, body = _get(port, "/api")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, server.stdout.read() if \
                    server.poll() is not None else "JupyterLab did not start"
                time.sleep(0.5)
        assert status == 200 and "version" in json.loads(body)
        assert _get(port, "/api/status")[0] == 403
        assert _get(port, "/api/status", "wrong-token")[0] == 403
        assert _get(port, "/api/status", TOKEN)[0] == 200
        status, body = _get(port, "/api/kernelspecs", TOKEN)
        assert status == 200 and "portfolio-opt" in json.loads(body)["kernelspecs"]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_single_cell_build_installs_the_requirements_into_the_images_python(root, house_url, tmp_path):
    dockerfile = single_cell_dockerfile(_lab_data())
    assert "mamba" not in dockerfile, "the lab leaves out `mamba install compilers` (no conda in the stand-in)"
    _build(root, dockerfile, PLAYBOOKS / "single-cell" / "assets", house_url, tmp_path)
    probe = _in_image(root, "rapids", "/home/rapids", "python3 -c 'import numpy, pandas, threadpoolctl; "
                                                      "print(numpy.__version__, pandas.__version__)'")
    assert probe.returncode == 0 and probe.stdout.split() == ["2.2.6", "2.3.2"], probe.stderr
    assert (root / "home/rapids/notebooks/scRNA_analysis_preprocessing.ipynb").is_file()
    assert (root / "usr/local/lib/python3.11/dist-packages/pandas").is_dir(), "installed --system, as the playbook"
