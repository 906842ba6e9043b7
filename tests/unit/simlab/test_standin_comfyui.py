"""The ComfyUI stand-in (simlab/standins/comfyui/, the lab mirror's comfyanonymous/ComfyUI repo): run from a copy of
its tree, as the deploy runs it from its checkout, with a small torch stand-in on the path (and once with the real
torch of this interpreter): ComfyUI's command line, /system_stats in ComfyUI's shape, the checkpoints it lists, and
its refusal to start without CUDA unless --cpu."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys

import pytest
from standin_procs import Running, free_port

from simlab.mirror import catalog
from simlab.mirror.http_files import safetensors_standin

SOURCE = catalog.STANDINS / "comfyui"
CHECKPOINT = next(iter(catalog.SAFETENSORS_FILES))
FAKE_TORCH = "__version__ = '2.13.0+cpu'\n\n\nclass cuda:\n    @staticmethod\n    def is_available():\n" \
             "        return False\n"


@pytest.fixture
def checkout(tmp_path):
    """A copy of the stand-in tree with the SD1.5 stand-in in models/checkpoints/, as the deploy leaves it."""
    tree = tmp_path / "ComfyUI"
    shutil.copytree(SOURCE, tree, ignore=shutil.ignore_patterns("__pycache__"))
    (tree / "models/checkpoints" / CHECKPOINT.rsplit("/", 1)[1]).write_bytes(safetensors_standin(CHECKPOINT))
    return tree


@pytest.fixture
def fake_torch(tmp_path):
    (tmp_path / "torchpath" / "torch").mkdir(parents=True)
    (tmp_path / "torchpath" / "torch" / "__init__.py").write_text(FAKE_TORCH)
    return {"PYTHONPATH": str(tmp_path / "torchpath")}


def _main_module():
    """main.py imported (its comfyui_version beside it, no byte-code left in the tree), for its argument parser."""
    sys.path.insert(0, str(SOURCE))
    bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True
    try:
        spec = importlib.util.spec_from_file_location("comfyui_standin_main", SOURCE / "main.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(SOURCE))
        sys.modules.pop("comfyui_version", None)
        sys.dont_write_bytecode = bytecode


def test_command_line_is_comfyuis():
    parse = _main_module().parse_args
    args, unknown = parse([])
    assert (args.listen, args.port, args.cpu, unknown) == ("127.0.0.1", 8188, False, [])
    args, _ = parse(["--listen"])
    assert args.listen == "0.0.0.0,::", "--listen alone: every address, as ComfyUI"
    args, unknown = parse(["--listen", "127.0.0.1", "--port", "8189", "--cpu", "--lowvram"])
    assert (args.listen, args.port, args.cpu, unknown) == ("127.0.0.1", 8189, True, ["--lowvram"])


def test_system_stats_object_info_and_checkpoints(checkout, fake_torch):
    port = free_port()
    ui = Running([checkout / "main.py", "--listen", "127.0.0.1", "--port", port, "--cpu"], port, env=fake_torch)
    try:
        status, stats = ui.json("GET", "/system_stats")
        assert status == 200 and set(stats) == {"system", "devices"}
        system = stats["system"]
        assert system["comfyui_version"] == "0.0.0+sparklab.standin"
        assert system["pytorch_version"] == "2.13.0+cpu" and system["python_version"] == sys.version
        assert system["ram_total"] >= system["ram_free"] > 0 and system["embedded_python"] is False
        assert system["argv"][1:] == ["--listen", "127.0.0.1", "--port", str(port), "--cpu"]
        (device,) = stats["devices"]
        assert (device["name"], device["type"], device["index"]) == ("cpu", "cpu", None)
        assert ui.json("GET", "/api/system_stats")[1]["system"]["comfyui_version"] == system["comfyui_version"]
        name = CHECKPOINT.rsplit("/", 1)[1]
        assert ui.json("GET", "/models/checkpoints") == (200, [name])
        assert ui.json("GET", "/api/models/loras") == (200, [])
        status, info = ui.json("GET", "/object_info")
        assert status == 200 and info["CheckpointLoaderSimple"]["input"]["required"]["ckpt_name"][0] == [name]
        assert info["CheckpointLoaderSimple"]["output"] == ["MODEL", "CLIP", "VAE"]
        assert ui.json("GET", "/object_info/CheckpointLoaderSimple")[1] == info
        assert ui.json("GET", "/object_info/KSampler") == (200, {})
        status, headers, page = ui.request("GET", "/")
        assert status == 200 and headers["Content-Type"].startswith("text/html") and b"ComfyUI" in page
        assert ui.request("HEAD", "/")[0] == 200
        assert ui.request("GET", "/prompt-nowhere")[0] == 404
    finally:
        rc, log = ui.stop()
    assert rc == 0, log
    assert "torch 2.13.0+cpu" in log and name in log


def test_without_cuda_it_needs_cpu_as_comfyui_does(checkout, fake_torch):
    done = subprocess.run([sys.executable, checkout / "main.py", "--port", str(free_port())], capture_output=True,
                          text=True, env=fake_torch, timeout=30)
    assert done.returncode == 1 and "Torch not compiled with CUDA enabled" in done.stderr


def test_it_runs_on_the_real_torch_of_its_venv(checkout):
    torch = pytest.importorskip("torch")
    port = free_port()
    ui = Running([checkout / "main.py", "--port", port, "--cpu"], port)
    try:
        system = ui.json("GET", "/system_stats")[1]["system"]
        assert system["pytorch_version"] == torch.__version__
    finally:
        assert ui.stop()[0] == 0
