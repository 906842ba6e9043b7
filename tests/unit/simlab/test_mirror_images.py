"""simlab.mirror.push_images() against a real Debian docker-registry on 127.0.0.1, and the stand-in
images' layers run in a chroot (as root) the way `docker run` would start them.

Needs /usr/bin/docker-registry and the .debs of the layers (from the default cache if present, else
`apt-get download`); skipped when either is missing.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.request
from pathlib import Path

import pytest
from standin_procs import Running, free_port, sse

from simlab import mirror

REGISTRY_BIN = shutil.which("docker-registry") or "/usr/bin/docker-registry"
pytestmark = pytest.mark.skipif(not os.path.exists(REGISTRY_BIN), reason="needs Debian docker-registry")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    seed = Path("/var/cache/sparklab-sim/downloads")
    if seed.is_dir():  # speed only: build works without it
        (cache / "downloads").mkdir()
        for name in (mirror.BUSYBOX_PACKAGE, *mirror.PYTHON_PACKAGES):
            for deb in seed.glob(f"{name}_*_{mirror.IMAGE_ARCH}.deb"):
                shutil.copy(deb, cache / "downloads" / deb.name)
    old = os.environ.get("SPARKLAB_SIM_CACHE")
    os.environ["SPARKLAB_SIM_CACHE"] = str(cache)
    try:
        with mirror._cache() as c:
            try:
                mirror._debs(c, [mirror.BUSYBOX_PACKAGE, *mirror.PYTHON_PACKAGES])
            except RuntimeError as e:
                pytest.skip(f"layer .debs not available: {e}")
        yield cache
    finally:
        if old is None:
            os.environ.pop("SPARKLAB_SIM_CACHE", None)
        else:
            os.environ["SPARKLAB_SIM_CACHE"] = old


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    root = tmp_path_factory.mktemp("registry")
    port = _free_port()
    cfg = root / "config.yml"
    cfg.write_text(f"""version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root / 'data'}
http:
  addr: 127.0.0.1:{port}
""")
    proc = subprocess.Popen([REGISTRY_BIN, "serve", str(cfg)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2).read()
                break
            except OSError:
                assert proc.poll() is None, "docker-registry exited"
                assert time.monotonic() < deadline, "docker-registry did not start"
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _get(url, accept=None):
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.read(), r.headers


def test_push_twice_and_read_back(cache, registry):
    first = mirror._push(registry)
    assert first["manifests_put"] == len(mirror.IMAGES)
    assert first["blobs_uploaded"] == 3 + len(mirror.IMAGES)  # each layer once, then a config per image
    assert first["blobs_mounted"] > 0  # shared layers are mounted across repositories, not uploaded again
    second = mirror._push(registry)
    assert second["blobs_uploaded"] == 0 and second["blobs_mounted"] == 0
    assert second["manifests_put"] == 0 and second["manifests_present"] == len(mirror.IMAGES)
    mirror.push_images(registry)  # public entry point, returns None

    base = f"http://{registry}/v2"
    catalog = json.loads(_get(f"{base}/_catalog")[0])["repositories"]
    assert sorted(catalog) == sorted({i["repository"] for i in mirror.IMAGES})
    pulls = {mirror.pull_name(i) for i in mirror.IMAGES}
    assert pulls >= {"nvcr.io/nvidia/pytorch:25.11-py3", "nvcr.io/nvidia/cuda:13.0.1-runtime-ubuntu24.04",
                     "nvcr.io/nvidia/vllm:26.05.post1-py3", "nvcr.io/nvidia/tensorrt-llm/release:1.3.0rc13",
                     "nvcr.io/nvidia/tensorrt-llm/release:1.3.0rc12", "docker.io/lmsysorg/sglang:latest-cu130",
                     "nvcr.io/nim/meta/llama-3.1-8b-instruct-dgx-spark:latest", "ghcr.io/open-webui/open-webui:main",
                     "ghcr.io/ggml-org/llama.cpp:server-cuda"}

    for image in mirror.IMAGES:
        repo = image["repository"]
        body, headers = _get(f"{base}/{repo}/manifests/{image['tag']}", accept=mirror.MEDIA_MANIFEST)
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        assert headers["Docker-Content-Digest"] == digest
        assert headers["Content-Type"] == mirror.MEDIA_MANIFEST
        manifest = json.loads(body)
        assert manifest["schemaVersion"] == 2 and manifest["mediaType"] == mirror.MEDIA_MANIFEST
        # by digest, too
        assert _get(f"{base}/{repo}/manifests/{digest}", accept=mirror.MEDIA_MANIFEST)[0] == body

        cfg_bytes, _ = _get(f"{base}/{repo}/blobs/{manifest['config']['digest']}")
        assert "sha256:" + hashlib.sha256(cfg_bytes).hexdigest() == manifest["config"]["digest"]
        assert len(cfg_bytes) == manifest["config"]["size"]
        cfg = json.loads(cfg_bytes)
        assert cfg["architecture"] == "amd64" and cfg["os"] == "linux"
        assert cfg["config"]["Labels"]["org.sparklab.standin"] == "true"
        assert len(cfg["history"]) == len(manifest["layers"]) == len(cfg["rootfs"]["diff_ids"])
        assert len(manifest["layers"]) == (3 if image.get("python") else 1)
        if not image.get("python"):  # the Level-1 images are busybox only, as before
            assert cfg["config"]["Cmd"] == ["sh"] and "Entrypoint" not in cfg["config"]

        for layer_desc, diff_id in zip(manifest["layers"], cfg["rootfs"]["diff_ids"]):
            assert layer_desc["mediaType"] == mirror.MEDIA_LAYER
            blob, _ = _get(f"{base}/{repo}/blobs/{layer_desc['digest']}")
            assert "sha256:" + hashlib.sha256(blob).hexdigest() == layer_desc["digest"]
            assert len(blob) == layer_desc["size"]
            assert "sha256:" + hashlib.sha256(gzip.decompress(blob)).hexdigest() == diff_id
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob))) as tar:
            members = {m.name: m for m in tar.getmembers()}
        if image.get("python"):  # the last layer: the stand-in programs
            assert members["opt/sparklab-standin/standin_engines.py"].mode == 0o755
            assert members["usr/local/bin/vllm"].linkname == "/opt/sparklab-standin/standin_engines.py"
            assert members["bin/bash"].isfile()
        else:
            assert members["bin/busybox"].isfile() and members["bin/busybox"].mode == 0o755
            for applet in ("sh", "true", "echo", "cat", "sleep", "hostname"):
                m = members[f"bin/{applet}"]
                assert m.issym() and m.linkname == "/bin/busybox", applet
            assert members["tmp"].mode == 0o1777 and "etc/passwd" in members


def image_config(repository: str, tag: str) -> dict:
    """The "config" part of an IMAGES entry's image config (layers do not matter here)."""
    entry = next(i for i in mirror.IMAGES if (i["repository"], i["tag"]) == (repository, tag))
    layer = {"diff_id": "sha256:0", "digest": "sha256:1", "size": 1, "what": "layer"}
    return json.loads(mirror.image_blobs(entry, [layer])[0])["config"]


def test_image_configs():
    config = image_config
    nim = config("nim/meta/llama-3.1-8b-instruct-dgx-spark", "latest")
    assert "NIM_SERVED_MODEL_NAME=meta/llama-3.1-8b-instruct" in nim["Env"] and "NIM_SERVER_PORT=8000" in nim["Env"]
    assert nim["Cmd"] == ["/opt/nim/start_server.sh"]
    llama = config("ggml-org/llama.cpp", "server-cuda")
    assert llama["Entrypoint"] == ["/app/llama-server"] and "Cmd" not in llama
    webui = config("open-webui/open-webui", "main")
    assert webui["Cmd"] == ["open-webui", "serve"] and "PORT=8080" in webui["Env"]
    assert config("nvidia/vllm", "26.05.post1-py3")["Cmd"] == ["sh"]


def test_layers_are_cached_and_reproducible(cache):
    with mirror._cache() as c:
        a = mirror._layer_sets(c)
        b = mirror._layer_sets(c)
    assert a == b and all(Path(la["path"]).is_file() and str(cache) in la["path"] for la in a[True])
    assert a[True][0] == a[False][0]  # one busybox layer for every image
    cfg1, man1 = mirror.image_blobs(mirror.IMAGES[0], a[False])
    cfg2, man2 = mirror.image_blobs(mirror.IMAGES[0], b[False])
    assert (cfg1, man1) == (cfg2, man2)


def test_standin_layer_follows_its_sources(cache, tmp_path, monkeypatch):
    with mirror._cache() as c:
        before = mirror._standin_layer(c)["digest"]
        shutil.copytree(mirror.STANDINS, tmp_path / "standins")
        monkeypatch.setattr(mirror, "STANDINS", tmp_path / "standins")
        assert mirror._standin_layer(c)["digest"] == before
        (tmp_path / "standins/engines/standin_server.py").write_text("# changed\n", encoding="utf-8")
        assert mirror._standin_layer(c)["digest"] != before


# ---------------------------------------------------------------- the images, run in a chroot

@pytest.fixture(scope="module")
def image_root(cache, tmp_path_factory):
    """The rootfs of a "python" image: its layers extracted in order, as docker would."""
    if os.geteuid() != 0 or not shutil.which("chroot"):
        pytest.skip("needs root and chroot(8) to run the image layers")
    root = tmp_path_factory.mktemp("image")
    with mirror._cache() as c:
        for layer in mirror._layer_sets(c)[True]:
            subprocess.run(["tar", "-xzf", layer["path"], "-C", root], check=True)
    return root


def docker_run(root: Path, repository: str, tag: str, args: list[str], port: int, env: dict | None = None) -> Running:
    """What `docker run [-e ...] IMAGE [ARGS]` starts, in a chroot of the image's layers."""
    cfg = image_config(repository, tag)
    environ = dict(e.split("=", 1) for e in cfg["Env"]) | {"HOME": "/root"} | (env or {})
    argv = cfg.get("Entrypoint", []) + (args or cfg.get("Cmd", []))
    return Running(["chroot", root, *argv], port, environ, python=False)


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


def test_vllm_image(image_root):
    port = free_port()
    serves(docker_run(image_root, "nvidia/vllm", "26.05.post1-py3",
                      ["vllm", "serve", "openai/gpt-oss-20b", "--port", str(port)], port, FAST), "openai/gpt-oss-20b")


def test_nim_image_default_command(image_root):
    port = free_port()
    serves(docker_run(image_root, "nim/meta/llama-3.1-8b-instruct-dgx-spark", "latest", [], port,
                      {**FAST, "NIM_SERVER_PORT": str(port)}), "meta/llama-3.1-8b-instruct")


def test_llama_cpp_image_entrypoint(image_root):
    port = free_port()
    serves(docker_run(image_root, "ggml-org/llama.cpp", "server-cuda", ["-hf", "org/m-GGUF:Q4_K_M", "--port",
                                                                        str(port)], port, FAST), "org/m-GGUF:Q4_K_M")


def test_sglang_image(image_root):
    port = free_port()
    serves(docker_run(image_root, "lmsysorg/sglang", "latest-cu130",
                      ["python3", "-m", "sglang.launch_server", "--model-path", "deepseek-ai/DeepSeek-V2-Lite",
                       "--host", "0.0.0.0", "--port", str(port), "--trust-remote-code"], port, FAST),
           "deepseek-ai/DeepSeek-V2-Lite")


def test_trtllm_image_with_a_bash_profile_command(image_root):
    (image_root / "etc/extra.yml").write_text("enable_attention_dp: false\n")
    port = free_port()
    command = ("hf download nvidia/gpt-oss-120b-Eagle3-long-context --local-dir /root/.cache/huggingface/eagle3/e"
               f" && exec trtllm-serve openai/gpt-oss-120b --host 0.0.0.0 --port {port} --backend pytorch"
               " --extra_llm_api_options /etc/extra.yml")
    serves(docker_run(image_root, "nvidia/tensorrt-llm/release", "1.3.0rc12", ["bash", "-c", command], port, FAST),
           "openai/gpt-oss-120b")
    assert (image_root / "root/.cache/huggingface/eagle3/e/sparklab-standin.json").is_file()


def test_open_webui_image(image_root):
    port = free_port()
    webui = docker_run(image_root, "open-webui/open-webui", "main", [], port, {"PORT": str(port)})
    try:
        status, body = webui.json("GET", "/health")
        assert status == 200 and body["status"] is True
    finally:
        assert webui.stop()[0] == 0
