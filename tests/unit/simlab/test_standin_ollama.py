"""The Ollama stand-in (simlab/standins/ollama/): its release tarball as simlab.mirror.http_files builds it,
installed the way roles/ollama.py installs it (a versioned directory, /usr/local/bin/ollama a link),
then run by this interpreter on 127.0.0.1."""
from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys

import pytest
from standin_procs import FAST, Running, free_port, link_program, sse

from simlab.mirror.catalog import OLLAMA_VERSION
from simlab.mirror.http_files import ollama_tarball


@pytest.fixture(scope="module")
def ollama(tmp_path_factory):
    """/usr/local/bin/ollama of a fake root, linked to bin/ollama of the extracted tarball."""
    root = tmp_path_factory.mktemp("root")
    tarball = root / "ollama-linux-amd64.tgz"
    tarball.write_bytes(ollama_tarball())
    version_dir = root / f"opt/ollama/{OLLAMA_VERSION}"
    version_dir.mkdir(parents=True)
    subprocess.run(["tar", "-xf", tarball, "-C", version_dir, "--no-same-owner"], check=True)
    (root / "usr/local/bin").mkdir(parents=True)
    return link_program(root / "usr/local/bin", "ollama", version_dir / "bin/ollama")


def cli(ollama, *args, port=None) -> subprocess.CompletedProcess:
    env = {**os.environ, **FAST, "OLLAMA_HOST": f"0.0.0.0:{port or free_port()}"}
    return subprocess.run([sys.executable, str(ollama), *args], capture_output=True, text=True, env=env,
                          timeout=60, check=False)


@pytest.fixture(scope="module")
def server(ollama, tmp_path_factory):
    port = free_port()
    models = tmp_path_factory.mktemp("models")
    running = Running([ollama, "serve"], port, {"OLLAMA_HOST": f"http://127.0.0.1:{port}", "OLLAMA_MODELS": models})
    running.models = models
    yield running
    running.stop()


def lines(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.decode().splitlines()]


# ---------------------------------------------------------------- the program

def load(ollama):
    """The stand-in as a module (it finds lib/ollama/ from its real path, through the link)."""
    loader = importlib.machinery.SourceFileLoader("ollama_standin", str(ollama))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(module)
    return module


def test_host_and_model_names(ollama):
    o = load(ollama)
    assert o.parse_host(None) == ("127.0.0.1", 11434)
    assert o.parse_host("0.0.0.0:11434") == ("0.0.0.0", 11434)
    assert o.parse_host("http://10.0.0.5") == ("10.0.0.5", 11434)
    assert o.parse_host(":11500") == ("127.0.0.1", 11500)
    assert o.parse_host("https://example.org:8443/") == ("example.org", 8443)
    assert o.model_path("qwen2.5:32b") == (["registry.ollama.ai", "library", "qwen2.5", "32b"], "qwen2.5:32b")
    assert o.model_path("gpt-oss")[1] == "gpt-oss:latest"
    assert o.model_path("user/model")[1] == "user/model:latest"
    assert o.model_path("hf.co/org/repo:Q4_K_M") == (["hf.co", "org", "repo", "Q4_K_M"], "hf.co/org/repo:Q4_K_M")
    for bad in ("", "../x", "a/b/c/d", "x:", "x:../y"):
        with pytest.raises(ValueError):
            o.model_path(bad)


def test_version_and_no_server(ollama):
    for flag in ("--version", "-v"):
        r = cli(ollama, flag)
        assert r.returncode == 0 and r.stdout == f"ollama version is {OLLAMA_VERSION}\n"
    r = cli(ollama, "list")
    assert r.returncode == 1 and "could not connect to ollama server" in r.stderr
    assert cli(ollama, "frobnicate").returncode == 1


def test_pull_and_list(ollama, server):
    r = cli(ollama, "list", port=server.port)
    assert r.returncode == 0 and r.stdout.split() == ["NAME", "ID", "SIZE", "MODIFIED"]
    r = cli(ollama, "pull", "qwen2.5:0.5b", port=server.port)
    assert r.returncode == 0 and r.stdout.splitlines()[-1] == "success", r.stderr
    assert (server.models / "manifests/registry.ollama.ai/library/qwen2.5/0.5b").is_file()
    assert server.json("POST", "/api/pull", {"model": "gpt-oss", "stream": False}) == (200, {"status": "success"})
    status, _, data = server.request("POST", "/api/pull", {"name": "hf.co/org/repo:Q4_K_M"})
    assert status == 200 and lines(data)[0] == {"status": "pulling manifest"}
    assert lines(data)[-1] == {"status": "success"}
    status, body = server.json("POST", "/api/pull", {"model": "../../etc"})
    assert status == 400 and "invalid model name" in body["error"]

    status, body = server.json("GET", "/api/tags")
    assert status == 200
    by_name = {m["name"]: m for m in body["models"]}
    assert set(by_name) == {"qwen2.5:0.5b", "gpt-oss:latest", "hf.co/org/repo:Q4_K_M"}
    for name, m in by_name.items():
        assert m["model"] == name and m["size"] > 0 and len(m["digest"]) == 64 and m["modified_at"]
    r = cli(ollama, "list", port=server.port)
    assert r.returncode == 0 and "gpt-oss:latest" in r.stdout and by_name["gpt-oss:latest"]["digest"][:12] in r.stdout


def test_version_route_and_root(server):
    assert server.json("GET", "/api/version") == (200, {"version": OLLAMA_VERSION})
    assert server.request("GET", "/")[2] == b"Ollama is running"


def pulled(server, name="qwen2.5:0.5b"):
    assert server.json("POST", "/api/pull", {"model": name, "stream": False})[0] == 200
    return name


def test_generate_streams_json_lines(server):
    model = pulled(server)
    status, headers, data = server.request("POST", "/api/generate", {
        "model": model, "prompt": "why is the sky blue", "options": {"num_predict": 3}})
    assert status == 200 and headers["Content-Type"] == "application/x-ndjson"
    out = lines(data)
    assert len(out) == 4 and [o["done"] for o in out] == [False, False, False, True]
    assert "".join(o["response"] for o in out) == "this is a"
    final = out[-1]
    assert final["model"] == model and final["done_reason"] == "length"
    assert final["prompt_eval_count"] == 5 and final["eval_count"] == 3
    for key in ("prompt_eval_duration", "eval_duration", "total_duration"):
        assert isinstance(final[key], int) and final[key] > 0
    assert final["total_duration"] >= final["prompt_eval_duration"] + final["eval_duration"]


def test_chat_without_streaming(server):
    model = pulled(server)
    status, body = server.json("POST", "/api/chat", {
        "model": model, "stream": False, "messages": [{"role": "user", "content": "hello there"}]})
    assert status == 200 and body["done"] is True
    assert body["message"]["role"] == "assistant" and len(body["message"]["content"].split()) == 16
    assert body["prompt_eval_count"] == 2 and body["eval_count"] == 16


def test_models_not_pulled(server):
    for route, body in (("/api/generate", {"prompt": "x"}), ("/api/chat", {"messages": []})):
        status, answer = server.json("POST", route, {"model": "llama3", **body})
        assert status == 404 and answer == {"error": "model 'llama3' not found"}


def test_openai_routes_over_pulled_models(server):
    model = pulled(server)
    status, body = server.json("GET", "/v1/models")
    assert status == 200 and model in [m["id"] for m in body["data"]]
    chunks = sse(server.request("POST", "/v1/chat/completions", {
        "model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2, "stream": True,
        "stream_options": {"include_usage": True}})[2])
    assert chunks[-1]["usage"]["completion_tokens"] == 2
    status, body = server.json("POST", "/v1/chat/completions", {"model": "llama3", "messages": []})
    assert status == 404 and "llama3" in body["error"]["message"]


def test_open_webui_reaches_ollama(server, tmp_path):
    port = free_port()
    webui = Running([link_program(tmp_path, "open-webui"), "serve"], port,
                    {"PORT": str(port), "OLLAMA_BASE_URL": f"http://127.0.0.1:{server.port}"})
    try:
        status, body = webui.json("GET", "/health")
        assert status == 200 and body["status"] is True and body["ollama"]["reachable"] is True
        assert OLLAMA_VERSION in body["ollama"]["detail"]
    finally:
        rc, log = webui.stop()
    assert rc == 0 and "reachable" in log and "NOT" not in log
