"""simlab.mirror.image_layers: the layers cached and reproducible, the stand-in layer following its sources, and
the "python" images' layers run in a chroot (as root) the way `docker run` would start them.

The layers' .debs come from the default cache if present, else `apt-get download` (skipped without them).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from standin_procs import Running, free_port, sse

from simlab.mirror import catalog, image_layers
from simlab.mirror.catalog import IMAGES
from simlab.mirror.image_manifests import image_blobs
from simlab.mirror.lab_cache import locked_cache


def test_layers_are_cached_and_reproducible(cache):
    with locked_cache() as c:
        a = image_layers.layer_sets(c)
        b = image_layers.layer_sets(c)
    assert a == b and all(Path(la["path"]).is_file() and str(cache) in la["path"] for la in a[True])
    assert a[True][0] == a[False][0]  # one busybox layer for every image
    cfg1, man1 = image_blobs(IMAGES[0], a[False])
    cfg2, man2 = image_blobs(IMAGES[0], b[False])
    assert (cfg1, man1) == (cfg2, man2)


def test_standin_layer_follows_its_sources(cache, tmp_path, monkeypatch):
    with locked_cache() as c:
        before = image_layers._standin_layer(c)["digest"]
        shutil.copytree(catalog.STANDINS, tmp_path / "standins")
        monkeypatch.setattr(catalog, "STANDINS", tmp_path / "standins")
        assert image_layers._standin_layer(c)["digest"] == before
        (tmp_path / "standins/engines/standin_server.py").write_text("# changed\n", encoding="utf-8")
        assert image_layers._standin_layer(c)["digest"] != before


# ---------------------------------------------------------------- the images, run in a chroot

@pytest.fixture(scope="module")
def image_root(cache, tmp_path_factory):
    """The rootfs of a "python" image: its layers extracted in order, as docker would."""
    if os.geteuid() != 0 or not shutil.which("chroot"):
        pytest.skip("needs root and chroot(8) to run the image layers")
    root = tmp_path_factory.mktemp("image")
    with locked_cache() as c:  # and every image's own layers: their paths do not collide
        layers = image_layers.layer_sets(c)[True] + [image_layers._extra_layer(c, n) for n in catalog.IMAGE_LAYERS]
        for layer in layers:
            subprocess.run(["tar", "-xzf", layer["path"], "-C", root], check=True)
    return root


@pytest.fixture
def docker_run(image_root, image_config):
    """run(repository, tag, args, port, env): what `docker run [-e ...] IMAGE [ARGS]` starts, in a chroot of the
    image's layers."""
    def run(repository: str, tag: str, args: list[str], port: int, env: dict | None = None) -> Running:
        cfg = image_config(repository, tag)
        environ = dict(e.split("=", 1) for e in cfg["Env"]) | {"HOME": "/root"} | (env or {})
        argv = cfg.get("Entrypoint", []) + (args or cfg.get("Cmd", []))
        return Running(["chroot", image_root, *argv], port, environ, python=False)
    return run


def serves(running: Running, model: str) -> None:
    try:
        status, body = running.json("GET", "/v1/models")
        assert status == 200 and [m["id"] for m in body["data"]] == [model]
        chunks = sse(running.request("POST", "/v1/chat/completions", {
            "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2, "stream": True})[2])
        assert len(chunks) == 2
    finally:
        rc, log = running.stop()
    assert rc == 0, log


FAST = {"STANDIN_PREFILL_TPS": "1000000", "STANDIN_DECODE_TPS": "1000"}


def test_vllm_image(docker_run):
    port = free_port()
    serves(docker_run("nvidia/vllm", "26.05.post1-py3", ["vllm", "serve", "openai/gpt-oss-20b", "--port", str(port)],
                      port, FAST), "openai/gpt-oss-20b")


def test_nim_image_default_command(docker_run):
    port = free_port()
    serves(docker_run("nim/meta/llama-3.1-8b-instruct-dgx-spark", "latest", [], port,
                      {**FAST, "NIM_SERVER_PORT": str(port)}), "meta/llama-3.1-8b-instruct")


def test_llama_cpp_image_entrypoint(docker_run):
    port = free_port()
    serves(docker_run("ggml-org/llama.cpp", "server-cuda", ["-hf", "org/m-GGUF:Q4_K_M", "--port", str(port)],
                      port, FAST), "org/m-GGUF:Q4_K_M")


def test_sglang_image(docker_run):
    port = free_port()
    serves(docker_run("lmsysorg/sglang", "latest-cu130",
                      ["python3", "-m", "sglang.launch_server", "--model-path", "deepseek-ai/DeepSeek-V2-Lite",
                       "--host", "0.0.0.0", "--port", str(port), "--trust-remote-code"], port, FAST),
           "deepseek-ai/DeepSeek-V2-Lite")


def test_trtllm_image_with_a_bash_profile_command(image_root, docker_run):
    (image_root / "etc/extra.yml").write_text("enable_attention_dp: false\n")
    port = free_port()
    command = ("hf download nvidia/gpt-oss-120b-Eagle3-long-context --local-dir /root/.cache/huggingface/eagle3/e"
               f" && exec trtllm-serve openai/gpt-oss-120b --host 0.0.0.0 --port {port} --backend pytorch"
               " --extra_llm_api_options /etc/extra.yml")
    serves(docker_run("nvidia/tensorrt-llm/release", "1.3.0rc12", ["bash", "-c", command], port, FAST),
           "openai/gpt-oss-120b")
    assert (image_root / "root/.cache/huggingface/eagle3/e/sparklab-standin.json").is_file()


def test_open_webui_image(docker_run):
    port = free_port()
    webui = docker_run("open-webui/open-webui", "main", [], port, {"PORT": str(port)})
    try:
        status, body = webui.json("GET", "/health")
        assert status == 200 and body["status"] is True
    finally:
        assert webui.stop()[0] == 0


def test_every_images_own_layers_exist_and_are_reproducible(cache):
    with locked_cache() as c:
        sets = image_layers.layer_sets(c)
        for image in IMAGES:
            assert all(name in catalog.IMAGE_LAYERS for name in image.get("layers", [])), image
            a, b = image_layers.image_layers(c, image, sets), image_layers.image_layers(c, image, sets)
            base = sets[image_layers._set_key(image)]
            assert a == b and a[:len(base)] == base
            assert len(a) == len(base) + len(image.get("layers", []))


def test_level3_service_programs_in_a_chroot(image_root):
    """The images' commands and healthchecks as compose runs them: ollama as /bin/ollama with its version,
    the services' links and the curl stand-in."""
    chroot = shutil.which("chroot")

    def sh(command: str) -> subprocess.CompletedProcess:
        return subprocess.run([chroot, image_root, "/bin/sh", "-c", command], capture_output=True, text=True,
                              timeout=60, env={"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                               "HOME": "/root"})
    assert sh("/bin/ollama --version").stdout.strip() == "ollama version is 0.12.6"
    assert sh("pg_isready -p 9").returncode == 2
    assert sh("etcdctl endpoint health --endpoints 127.0.0.1:9").returncode == 1
    assert sh("arangosh --server.endpoint tcp://127.0.0.1:9").returncode == 1
    assert sh("curl -f -s -I http://127.0.0.1:9/").returncode == 7
    assert sh("/app/llama-server -m /models/missing.gguf").returncode == 1
    port = free_port()
    minio = Running([chroot, image_root, "minio", "server", "/minio_data", "--address", f"127.0.0.1:{port}"],
                    port, {"PATH": "/usr/bin:/bin"}, python=False)
    try:
        assert sh(f"curl -f http://127.0.0.1:{port}/minio/health/live").returncode == 0
    finally:
        assert minio.stop()[0] == 0


def test_a_wheels_scripts_layer_holds_its_binaries_at_their_paths(tmp_path, monkeypatch):
    """uv's image: /uv and /uvx are the scripts of the uv wheel, as they are, executable, and the layer is keyed by
    the wheel (another wheel, another layer)."""
    import tarfile
    import zipfile

    house = tmp_path / "house"
    house.mkdir()

    def wheel(content: bytes) -> None:
        with zipfile.ZipFile(house / "uv-0.9.2-py3-none-manylinux_2_17_x86_64.whl", "w") as z:
            z.writestr("uv-0.9.2.data/scripts/uv", content)
            z.writestr("uv-0.9.2.data/scripts/uvx", b"\x7fELF uvx")
            z.writestr("uv-0.9.2.dist-info/WHEEL", "Wheel-Version: 1.0\n")

    monkeypatch.setattr(image_layers, "own_wheelhouse", lambda cache, name: house)
    wheel(b"\x7fELF uv")
    cache = tmp_path / "cache"
    layer = image_layers._extra_layer(cache, "uv-0.9.2")
    with tarfile.open(layer["path"]) as tar:
        members = {m.name: (m.mode, tar.extractfile(m).read()) for m in tar.getmembers()}
    assert members == {"uv": (0o755, b"\x7fELF uv"), "uvx": (0o755, b"\x7fELF uvx")}
    assert image_layers._extra_layer(cache, "uv-0.9.2") == layer
    wheel(b"\x7fELF uv, another build")
    assert image_layers._extra_layer(cache, "uv-0.9.2")["digest"] != layer["digest"]
