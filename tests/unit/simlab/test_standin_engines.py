"""The engine stand-ins (simlab/standins/engines/): command lines of each program, and the
OpenAI-compatible server on 127.0.0.1 run by this interpreter with short timings."""
from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from standin_procs import ENGINES, FAST, Running, free_port, link_program, sse

from simlab.mirror import catalog

sys.path.insert(0, str(ENGINES))
_write_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ in the sources
import standin_engines  # noqa: E402 (from the folder put on sys.path above)
import standin_server  # noqa: E402
from standin_engines import Serve, UsageError  # noqa: E402

sys.dont_write_bytecode = _write_bytecode


# ---------------------------------------------------------------- command lines

def test_llama_server_model_file_must_be_gguf(tmp_path, capsys):
    """Like llama-server, -m fails (exit 1) when the file is missing or not GGUF; --embeddings is accepted."""
    good, bad = tmp_path / "good.gguf", tmp_path / "bad.gguf"
    good.write_bytes(b"GGUF\x03\0\0\0")
    bad.write_bytes(b"not a model")
    argv = ["--port", "8000", "--host", "0.0.0.0", "--jinja", "--embeddings"]
    assert standin_engines.llama_server(["-m", str(good), *argv]).model == "good.gguf"
    assert standin_engines.main("llama-server", ["-m", str(tmp_path / "missing.gguf"), *argv]) == 1
    assert "failed to load model" in capsys.readouterr().err
    assert standin_engines.main("llama-server", ["-m", str(bad), *argv]) == 1
    assert "invalid magic" in capsys.readouterr().err


def test_options_forms_and_unknown_flags():
    known = {"--port": "port", "-a": "alias"}
    assert standin_engines.options(["x", "--port", "1", "-a=n", "--tp", "2", "--flag", "--z=3", "y"], known) == (
        {"port": "1", "alias": "n"}, ["x", "y"])
    assert standin_engines.options(["--port=9"], known) == ({"port": "9"}, [])
    assert standin_engines.options(["--chat-template-kwargs", '{"a": true}', "--port", "7"], known)[0] == {"port": "7"}
    with pytest.raises(UsageError):
        standin_engines.options(["--port"], known)


def test_vllm_command_lines():
    assert standin_engines.vllm(["serve", "openai/gpt-oss-20b", "--host", "0.0.0.0", "--port", "8000"]) == Serve(
        "vllm", "openai/gpt-oss-20b", "0.0.0.0", 8000)
    assert standin_engines.vllm(["serve", "m"]) == Serve("vllm", "m", "0.0.0.0", 8000)
    nvfp4 = ["serve", "nvidia/Qwen3.6-35B-A3B-NVFP4", "--host", "0.0.0.0", "--port=8000", "--served-model-name",
             "qwen3.6-35b-a3b", "--tensor-parallel-size", "1", "--trust-remote-code", "--kv-cache-dtype", "fp8",
             "--gpu-memory-utilization", "0.4", "--max-model-len", "262144", "--enable-chunked-prefill",
             "--enable-prefix-caching", "--reasoning-parser", "qwen3"]
    assert standin_engines.vllm(nvfp4) == Serve("vllm", "qwen3.6-35b-a3b", "0.0.0.0", 8000)
    for bad in ([], ["serve"], ["bench", "m"], ["serve", "m", "--port", "eighty"]):
        with pytest.raises(UsageError):
            standin_engines.vllm(bad)


def test_trtllm_serve_command_lines(tmp_path):
    extra = tmp_path / "extra-llm-api-config.yml"
    extra.write_text("print_iter_log: false\n")
    argv = ["nvidia/Llama-3.1-8B-Instruct-FP4", "--host", "0.0.0.0", "--port", "8355", "--max_batch_size", "64",
            "--trust_remote_code", "--extra_llm_api_options", str(extra)]
    want = Serve("trtllm", "nvidia/Llama-3.1-8B-Instruct-FP4", "0.0.0.0", 8355)
    assert standin_engines.trtllm_serve(argv) == want
    assert standin_engines.trtllm_serve(["serve", *argv]) == want
    assert standin_engines.trtllm_serve(["m"]) == Serve("trtllm", "m", "localhost", 8000)
    with pytest.raises(UsageError, match="does not exist"):
        standin_engines.trtllm_serve(["m", f"--extra_llm_api_options={tmp_path / 'missing.yml'}"])
    with pytest.raises(UsageError, match="MODEL"):
        standin_engines.trtllm_serve(["--port", "1"])


def test_sglang_command_lines():
    argv = ["--model-path", "deepseek-ai/DeepSeek-V2-Lite", "--host", "0.0.0.0", "--port", "30000",
            "--trust-remote-code", "--tp", "1", "--attention-backend", "flashinfer", "--mem-fraction-static", "0.75"]
    assert standin_engines.sglang(argv) == Serve("sglang", "deepseek-ai/DeepSeek-V2-Lite", "0.0.0.0", 30000)
    assert standin_engines.sglang(["--model-path=m", "--served-model-name", "n"]) == Serve(
        "sglang", "n", "127.0.0.1", 30000)
    with pytest.raises(UsageError, match="--model-path"):
        standin_engines.sglang(["--port", "1"])


def test_llama_server_command_lines(monkeypatch, tmp_path):
    monkeypatch.delenv("LLAMA_ARG_HOST", raising=False)
    monkeypatch.chdir(tmp_path)
    for name in ("q.gguf", "m.gguf"):
        (tmp_path / name).write_bytes(b"GGUF\x03\0\0\0")
    hf = "unsloth/Qwen3.6-35B-A3B-MTP-GGUF:UD-Q4_K_XL"
    argv = ["-hf", hf, "--host", "0.0.0.0", "--port", "30001", "--chat-template-kwargs", '{"preserve_thinking": true}',
            "--spec-type", "draft-mtp", "--spec-draft-n-max", "3"]
    assert standin_engines.llama_server(argv) == Serve("llamacpp", hf, "0.0.0.0", 30001)
    assert standin_engines.llama_server(["-m", "q.gguf"]) == Serve("llamacpp", "q.gguf", "127.0.0.1", 8080)
    assert standin_engines.llama_server(["--model", "m.gguf", "-a", "qwen"]).model == "qwen"
    assert standin_engines.llama_server(["-hf", hf, "--alias=x"]).model == "x"
    monkeypatch.setenv("LLAMA_ARG_HOST", "0.0.0.0")  # as the real image sets it
    assert standin_engines.llama_server(["-hf", hf]).host == "0.0.0.0"
    with pytest.raises(UsageError):
        standin_engines.llama_server(["--port", "1"])


def test_nim_reads_its_environment(monkeypatch):
    monkeypatch.setenv("NIM_SERVED_MODEL_NAME", "meta/llama-3.1-8b-instruct")
    monkeypatch.setenv("NIM_SERVER_PORT", "8001")
    assert standin_engines.nim([]) == Serve("nim", "meta/llama-3.1-8b-instruct", "0.0.0.0", 8001)
    monkeypatch.delenv("NIM_SERVED_MODEL_NAME")
    with pytest.raises(UsageError):
        standin_engines.nim([])


def test_hf_download(tmp_path, monkeypatch):
    d = standin_engines.hf(["download", "nvidia/gpt-oss-120b-Eagle3-long-context", "--local-dir", str(tmp_path / "e")])
    assert d.run() == 0 and json.loads((tmp_path / "e/sparklab-standin.json").read_text())["repo"].startswith("nvidia/")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    assert standin_engines.hf(["download", "org/name"]).path == tmp_path / "hf/hub/models--org--name"
    with pytest.raises(UsageError):
        standin_engines.hf(["upload", "org/name"])


def test_open_webui_settings(monkeypatch):
    monkeypatch.setenv("PORT", "8081")
    monkeypatch.setenv("OLLAMA_BASE_URL", "http://127.0.0.1:11434")
    webui = standin_engines.open_webui(["serve"])
    assert (webui.host, webui.port, webui.ollama_url) == ("0.0.0.0", 8081, "http://127.0.0.1:11434")


def test_every_program_is_linked_in_the_image():
    linked = {Path(p).name for p in catalog.STANDIN_LINKS} | {"sglang.launch_server"}
    assert linked >= set(standin_engines.PROGRAMS)
    assert all(t == f"/{catalog.STANDIN_DIR}/standin_engines.py" for t in catalog.STANDIN_LINKS.values())


def test_engine_speeds_are_distinct(monkeypatch):
    monkeypatch.delenv("STANDIN_PREFILL_TPS", raising=False)
    monkeypatch.delenv("STANDIN_DECODE_TPS", raising=False)
    table = {e: standin_server.speeds(e) for e in ("vllm", "trtllm", "sglang", "nim", "llamacpp", "ollama")}
    assert len(set(table.values())) == len(table) and len({d for _, d in table.values()}) == len(table)
    monkeypatch.setenv("STANDIN_DECODE_TPS", "7.5")
    assert standin_server.speeds("vllm") == (2000.0, 7.5)


def test_word_counts_and_token_limits():
    assert standin_server.count_words("a b  c\n") == 3
    assert standin_server.count_words([{"role": "user", "content": "a b"},
                                       {"role": "user", "content": [{"type": "text", "text": "c"},
                                                                    {"type": "image_url", "image_url": {}}]}]) == 3
    assert standin_server.token_limit(None) == 16 and standin_server.token_limit(10**6) == 512
    assert standin_server.token_limit(0) == 1 and standin_server.token_limit(-1) == 512
    with pytest.raises(standin_server.BadRequest):
        standin_server.token_limit("16")


# ---------------------------------------------------------------- the server

@pytest.fixture(scope="module")
def start(tmp_path_factory):
    """start(program, args, env=None, port=None): ``program`` run under its own name, as in the images."""
    bindir = tmp_path_factory.mktemp("bin")
    started = []

    def _start(program: str, args: list[str], env: dict | None = None, port: int | None = None) -> Running:
        port = port or free_port()
        if program == "sglang.launch_server":
            argv = ["-m", "sglang.launch_server"]
        else:
            argv = [link_program(bindir, program)]
        started.append(Running([*argv, *args, "--port", port], port, env))
        return started[-1]

    yield _start
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()


@pytest.fixture(scope="module")
def vllm(start):
    return start("vllm", ["serve", "openai/gpt-oss-20b", "--host", "127.0.0.1", "--trust-remote-code"])


def test_models_and_health(vllm):
    status, body = vllm.json("GET", "/v1/models")
    assert status == 200 and body["object"] == "list"
    (model,) = body["data"]
    assert model["id"] == "openai/gpt-oss-20b" and model["object"] == "model"
    assert model["owned_by"] == "sparklab-standin" and isinstance(model["created"], int)
    assert vllm.request("GET", "/health")[0] == 200
    for path in ("/v1/health/ready", "/v1/health/live"):
        status, body = vllm.json("GET", path)
        assert status == 200 and body["message"]
    assert vllm.request("GET", "/v2/nothing")[0] == 404


def test_chat_completion(vllm):
    status, body = vllm.json("POST", "/v1/chat/completions", {
        "model": "openai/gpt-oss-20b", "max_tokens": 5,
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "why is the sky blue"}]})
    assert status == 200 and body["object"] == "chat.completion" and body["model"] == "openai/gpt-oss-20b"
    (choice,) = body["choices"]
    assert choice["message"]["role"] == "assistant" and len(choice["message"]["content"].split()) == 5
    assert choice["finish_reason"] == "length"
    assert body["usage"] == {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}
    again = vllm.json("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}],
                                                      "max_tokens": 5})[1]
    assert again["choices"][0]["message"]["content"] == choice["message"]["content"]  # deterministic


def test_completion_defaults_and_cap(vllm):
    body = vllm.json("POST", "/v1/completions", {"model": "openai/gpt-oss-20b", "prompt": "Once upon"})[1]
    assert body["object"] == "text_completion" and len(body["choices"][0]["text"].split()) == 16
    assert body["usage"] == {"prompt_tokens": 2, "completion_tokens": 16, "total_tokens": 18}
    body = vllm.json("POST", "/v1/completions", {"prompt": "", "max_tokens": 100000})[1]
    assert body["usage"]["completion_tokens"] == 512 and body["usage"]["prompt_tokens"] == 1


def test_chat_stream_with_usage(vllm):
    status, headers, data = vllm.request("POST", "/v1/chat/completions", {
        "model": "openai/gpt-oss-20b", "messages": [{"role": "user", "content": "a b c"}], "max_tokens": 4,
        "stream": True, "stream_options": {"include_usage": True}})
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    chunks = sse(data)
    assert len(chunks) == 5 and all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    tokens = [c["choices"][0]["delta"]["content"] for c in chunks[:4]]
    assert len("".join(tokens).split()) == 4 and chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert [c["choices"][0]["finish_reason"] for c in chunks[:4]] == [None, None, None, "length"]
    assert chunks[4]["choices"] == [] and chunks[4]["usage"] == {
        "prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}


def test_completion_stream_without_usage(vllm):
    chunks = sse(vllm.request("POST", "/v1/completions", {"prompt": "x", "max_tokens": 3, "stream": True})[2])
    assert [c["choices"][0]["text"] for c in chunks] == ["this", " is", " a"]
    assert all("usage" not in c for c in chunks)


def test_errors(vllm):
    status, body = vllm.json("POST", "/v1/chat/completions", {"model": "other/model", "messages": []})
    assert status == 404 and "other/model" in body["error"]["message"]
    assert vllm.json("POST", "/v1/completions", b"{not json")[0] == 400
    assert vllm.json("POST", "/v1/completions", {"prompt": "x", "max_tokens": "many"})[0] == 400


def test_keep_alive_connection(vllm):
    conn = http.client.HTTPConnection("127.0.0.1", vllm.port, timeout=30)
    try:
        for _ in range(3):
            conn.request("POST", "/v1/completions", body=json.dumps({"prompt": "x", "max_tokens": 2, "stream": True}))
            r = conn.getresponse()
            assert r.status == 200 and sse(r.read())
    finally:
        conn.close()


def test_timing_follows_prefill_and_decode_rates(start):
    server = start("vllm", ["serve", "m"], env={"STANDIN_PREFILL_TPS": "1000", "STANDIN_DECODE_TPS": "50"})
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    t0 = time.monotonic()
    conn.request("POST", "/v1/completions", body=json.dumps({"prompt": "w " * 200, "max_tokens": 6, "stream": True}))
    response = conn.getresponse()
    assert response.readline().startswith(b"data: ")  # the first token
    first_token = time.monotonic() - t0
    response.read()
    total = time.monotonic() - t0
    conn.close()
    assert first_token >= 200 / 1000  # 200 prompt tokens at 1000 tokens/s
    assert total >= 200 / 1000 + 5 / 50  # then 5 gaps at 50 tokens/s
    rc, log = server.stop()
    assert rc == 0 and '"POST /v1/completions HTTP/1.1" 200' in log and "vllm: stopped" in log


NIM = "meta/llama-3.1-8b-instruct"
TRTLLM = "nvidia/Llama-3.1-8B-Instruct-FP4"


@pytest.mark.parametrize("program,args,model", [
    ("trtllm-serve", ["serve", TRTLLM, "--host", "127.0.0.1"], TRTLLM),
    ("sglang.launch_server", ["--model-path", "deepseek-ai/DeepSeek-V2-Lite", "--tp", "1"],
     "deepseek-ai/DeepSeek-V2-Lite"),
    ("llama-server", ["-hf", "org/repo-GGUF:Q4_K_M", "--host", "127.0.0.1"], "org/repo-GGUF:Q4_K_M"),
    ("start_server.sh", [], NIM),
])
def test_each_engine_serves_its_model(start, program, args, model):
    port = free_port()
    server = start(program, args, env={"NIM_SERVED_MODEL_NAME": NIM, "NIM_SERVER_PORT": str(port)}, port=port)
    status, body = server.json("GET", "/v1/models")
    assert status == 200 and [m["id"] for m in body["data"]] == [model]
    chunks = sse(server.request("POST", "/v1/chat/completions", {
        "model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2, "stream": True})[2])
    assert len(chunks) == 2
    assert server.stop()[0] == 0


def test_usage_error_exit_code(tmp_path):
    link = link_program(tmp_path, "trtllm-serve")
    r = subprocess.run([sys.executable, str(link), "m", "--extra_llm_api_options", "/nonexistent.yml"],
                       check=False, capture_output=True, text=True, env={**os.environ, **FAST}, timeout=30)
    assert r.returncode == 2 and "does not exist" in r.stderr


def test_open_webui_without_ollama(start):
    nothing = free_port()
    webui = start("open-webui", ["serve"], env={"OLLAMA_BASE_URL": f"http://127.0.0.1:{nothing}"})
    status, body = webui.json("GET", "/health")
    assert status == 200 and body["status"] is True
    assert body["ollama"] == {"url": f"http://127.0.0.1:{nothing}", "reachable": False,
                              "detail": body["ollama"]["detail"]}
    assert webui.json("GET", "/api/version") == (200, {"version": "standin"})
    status, headers, page = webui.request("GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"Open WebUI" in page
    rc, log = webui.stop()
    assert rc == 0 and f"Ollama at http://127.0.0.1:{nothing} NOT reachable" in log
