"""The CPU PyTorch image's site-packages (simlab.mirror.image_layers, "site_packages" images): wheels unpacked as pip
installs them (console scripts, RECORD), resolved from the wheelhouse, and the image's layers in a chroot (as root):
torch, transformers and peft import, and pip installs more from the wheelhouse."""
from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from standin_procs import Running, free_port

from simlab.mirror import catalog, image_layers
from simlab.mirror.lab_cache import locked_cache
from simlab.mirror.wheelhouse import wheelhouse


def _wheel(tmp_path: Path) -> Path:
    whl = tmp_path / "demo_pkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as z:
        z.writestr("demo_pkg/__init__.py", "def main():\n    return 0\n")
        z.writestr("demo_pkg-1.0.data/scripts/demo-tool", "#!python\nprint('hi')\n")
        z.writestr("demo_pkg-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\n")
        z.writestr("demo_pkg-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        z.writestr("demo_pkg-1.0.dist-info/entry_points.txt", "[console_scripts]\ndemo = demo_pkg:main\n")
        z.writestr("demo_pkg-1.0.dist-info/RECORD", "")
    return whl


def test_install_wheel_as_pip_does(tmp_path):
    root = tmp_path / "root"
    assert image_layers.install_wheel(_wheel(tmp_path), root) == ["demo"]
    site = root / image_layers.SITE_PACKAGES_DIR
    demo = root / image_layers.SCRIPTS_DIR / "demo"
    assert demo.read_text().startswith("#!/usr/bin/python3\n") and "from demo_pkg import main" in demo.read_text()
    assert os.access(demo, os.X_OK)
    assert (root / image_layers.SCRIPTS_DIR / "demo-tool").read_text() == "#!/usr/bin/python3\nprint('hi')\n"
    record = (site / "demo_pkg-1.0.dist-info/RECORD").read_text().splitlines()
    assert "../../../bin/demo-tool" in {line.split(",")[0] for line in record}
    assert record[-1] == "demo_pkg-1.0.dist-info/RECORD,,"
    for line in record[:-1]:
        path, digest, size = line.split(",")
        data = (site / path).read_bytes()
        assert int(size) == len(data)
        assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")


@pytest.fixture(scope="module")
def pytorch_root(cache, tmp_path_factory):
    """The CPU PyTorch image's layers extracted in order, with the device nodes a container has."""
    if os.geteuid() != 0 or not shutil.which("chroot"):
        pytest.skip("needs root and chroot(8) to run the image layers")
    image = next(i for i in catalog.IMAGES if i["repository"] == "nvidia/pytorch")
    root = tmp_path_factory.mktemp("pytorch")
    with locked_cache() as c:
        for layer in image_layers.image_layers(c, image, image_layers.layer_sets(c)):
            subprocess.run(["tar", "-xzf", layer["path"], "-C", root], check=True)
        house = wheelhouse(c)
    for name, minor in (("null", 3), ("urandom", 9)):
        os.mknod(root / "dev" / name, 0o666 | 0o20000, os.makedev(1, minor))
    shutil.copytree(house, root / "wheels")
    return root


def _chroot(root: Path, command: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root"}
    return subprocess.run(["chroot", root, "/usr/bin/bash", "-c", command], capture_output=True, text=True, env=env,
                          timeout=600)


def test_pytorch_image_imports_and_pip_installs_from_the_wheelhouse(pytorch_root):
    done = _chroot(pytorch_root, "python -c 'import torch, transformers, peft, datasets, accelerate; "
                                 "print(torch.__version__, transformers.__version__, peft.__version__)'")
    assert done.returncode == 0 and done.stdout.split() == ["2.13.0+cpu", "5.24.0", "0.21.2"], done.stderr
    assert "torch" in _chroot(pytorch_root, "pip list --format=freeze").stdout
    # (importing deepspeed needs /proc, which a chroot lacks and a container has)
    done = _chroot(pytorch_root, "pip install -q --no-index --find-links /wheels deepspeed==0.19.8 && "
                                 "pip show deepspeed && pip check")
    assert done.returncode == 0 and "Version: 0.19.8" in done.stdout, done.stdout + done.stderr
    for tool in ("hf", "torchrun", "accelerate", "transformers"):
        assert (pytorch_root / "usr/local/bin" / tool).is_file(), tool


# ---------------------------------------------------------------- Level 5: the JAX image, built as the lab builds it

JAX_ASSETS = catalog.STANDINS / "playbooks" / "nvidia" / "jax" / "assets"
WRAPPER = Path(__file__).resolve().parents[4] / "templates" / "jax" / "marimo_token.py"


@pytest.fixture(scope="module")
def jax_root(cache, tmp_path_factory):
    """The stand-in Dockerfile of the JAX lab built by hand in a chroot of its base image's layers, as the classic
    builder would: /uv and /uvx from the uv image's layer, its ENV and RUN lines in /app, the notebooks copied."""
    if os.geteuid() != 0 or not shutil.which("chroot"):
        pytest.skip("needs root and chroot(8) to run the image layers")
    base = next(i for i in catalog.IMAGES if (i["registry"], i["repository"]) == ("docker.io", "nvidia/cuda"))
    root, uv = tmp_path_factory.mktemp("jax"), tmp_path_factory.mktemp("uv")
    with locked_cache() as c:
        for layer in image_layers.image_layers(c, base, image_layers.layer_sets(c)):
            subprocess.run(["tar", "-xzf", layer["path"], "-C", root], check=True)
        subprocess.run(["tar", "-xzf", image_layers._extra_layer(c, "uv-0.9.2")["path"], "-C", uv], check=True)
    for name in ("uv", "uvx"):  # COPY --from=ghcr.io/astral-sh/uv:latest /uv /uvx /bin/
        shutil.copy2(uv / name, root / "bin" / name)
    for name, minor in (("null", 3), ("urandom", 9)):
        os.mknod(root / "dev" / name, 0o666 | 0o20000, os.makedev(1, minor))
    workdir, env = "/", {}
    for line in (JAX_ASSETS / "Dockerfile").read_text().splitlines():
        instruction, _, rest = line.partition(" ")
        if instruction == "WORKDIR":
            workdir = rest
        elif instruction == "ENV":
            env |= dict(pair.split("=", 1) for pair in rest.split())
        elif instruction == "RUN":
            done = _chroot_sh(root, f"cd {workdir} && {rest}", env)
            assert done.returncode == 0, f"RUN {rest}: {done.stdout}{done.stderr}"
    for path in sorted(JAX_ASSETS.glob("*.py")) + sorted(JAX_ASSETS.glob("*.mp4")):  # COPY *.py *.mp4 /app
        shutil.copy2(path, root / "app" / path.name)
    return root


def _chroot_sh(root: Path, command: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environ = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", **(env or {})}
    return subprocess.run(["chroot", root, "/bin/sh", "-c", command], capture_output=True, text=True, env=environ,
                          timeout=600)


def test_jax_images_venv_has_the_pins_and_jax_devices_answers(jax_root):
    """The checkpoint's command (sparklab.jax_image.devices_command) in the built image: the venv's Python."""
    done = _chroot_sh(jax_root, "/app/.venv/bin/python -c 'import jax, marimo, numpy, plotly, tqdm; "
                                "print(jax.__version__, marimo.__version__, numpy.__version__, plotly.__version__, "
                                "tqdm.__version__); print(jax.devices())'")
    assert done.returncode == 0, done.stderr
    versions, devices = done.stdout.splitlines()
    assert versions.split() == [p.split("==")[1] for p in catalog.JAX_PINS]
    assert devices == "[CpuDevice(id=0)]"  # the lab has no GPU: a Spark prints a CUDA device here


def test_jax_unit_command_serves_marimo_asking_for_the_token(jax_root):
    """The unit's command (roles/jax_lab.py) in the built image: /health answers without the token, the notebook
    page sends to marimo's login (303) and the API refuses (401) until the token is given."""
    token = "jt-UNITTEST-jax-31337"
    (jax_root / "opt/spark-lab").mkdir(parents=True, exist_ok=True)
    shutil.copy2(WRAPPER, jax_root / "opt/spark-lab/marimo_token.py")
    (jax_root / "run/spark-lab").mkdir(parents=True, exist_ok=True)
    (jax_root / "run/spark-lab/marimo-token").write_text(token + "\n")
    (jax_root / "run/spark-lab/marimo-token").chmod(0o600)
    port = free_port()
    unit = (f"/app/.venv/bin/python /opt/spark-lab/marimo_token.py /run/spark-lab/marimo-token edit 00-toc.py "
            f"--host 127.0.0.1 --port {port} --headless --no-sandbox --skip-update-check")
    marimo = Running([shutil.which("chroot"), jax_root, "/bin/sh", "-c", f"cd /app && exec {unit}"], port,
                     {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/root"}, python=False)
    try:
        assert marimo.json("GET", "/health") == (200, {"status": "healthy"})
        status, headers, _ = marimo.request("GET", "/")
        assert status == 303 and "/auth/login" in headers["location"]
        assert marimo.request("GET", "/api/status")[0] == 401
        assert marimo.request("GET", f"/?access_token={token}")[0] == 200
        assert marimo.request("GET", "/?access_token=wrong")[0] == 303
    finally:
        rc, log = marimo.stop()
    assert token not in log, "marimo -q prints no URL with the token"
