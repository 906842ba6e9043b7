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
