"""``python -m engines bench`` end to end against tiny engines on 127.0.0.1 (conftest): the table, the JSON, the
exit status, and what the engines were sent."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engines import bench_cli as cli
from engines import prompts

REPO = Path(__file__).resolve().parents[3]
FAST = ["--timeout", "5", "--probe-timeout", "2"]


def bench(capsys, *argv):
    status = cli.main(["bench", *FAST, *argv])
    out, err = capsys.readouterr()
    return status, out, err


def user_prompt(request: dict) -> str:
    body = request["body"]
    return body["prompt"] if "prompt" in body else body["messages"][0]["content"]


def test_openai_ollama_and_a_stopped_engine(capsys, tmp_path, fake_engine, refused_url):
    vllm = fake_engine("openai", "openai/gpt-oss-20b", first_delay=0.2, tokens=6, prompt_tokens=42)
    ollama = fake_engine("ollama", "qwen2.5:0.5b", first_delay=0.05, tokens=5, prompt_tokens=30)
    out_json = tmp_path / "bench.json"
    status, out, err = bench(capsys, "--url", f"vllm={vllm.url}", "--url", f"ollama={ollama.url}",
                             "--url", f"sglang={refused_url}", "--json", str(out_json))
    assert status == 0, out + err
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["host", "engine", "model"]
    assert [line.split()[1] for line in lines[2:5]] == ["ollama", "sglang", "vllm"]
    assert lines[3].split()[2:] == ["-", "not", "running"]
    assert lines[-1] == "engines bench: PASS — 3 engines: 2 measured, 1 not running"
    assert "[bench] 127.0.0.1 vllm: warm-up (openai/gpt-oss-20b)" in err

    doc = json.loads(out_json.read_text())
    rows = {e["engine"]: e for e in doc["engines"]}
    assert rows["sglang"]["status"] == "not running" and "connection refused" in rows["sglang"]["reason"]
    v = rows["vllm"]
    assert v["status"] == "ok" and v["requests"] == 3 and v["model"] == "openai/gpt-oss-20b"
    assert v["ttft_ms"] >= 200  # the engine waited 0.2 s before its first token
    assert v["prefill_tps"] == pytest.approx(42 / (v["ttft_ms"] / 1000), rel=1e-3)
    assert v["decode_tps"] > 0 and v["prompt_tokens"] == 3 * 42 and v["completion_tokens"] == 3 * 6
    o = rows["ollama"]
    assert o["api"] == "ollama" and o["ttft_ms"] >= 50
    assert o["prefill_tps"] == pytest.approx(30 / 0.02) and o["decode_tps"] == pytest.approx(5 / 0.05)
    assert doc["status"] == "pass" and doc["settings"]["max_tokens"] == 64 and doc["settings"]["warmup"] is True

    # What went over the wire: a warm-up, then the same three prompts to both, each tagged for this run.
    assert [r["path"] for r in vllm.requests] == ["/v1/chat/completions"] * 4
    first = vllm.requests[1]["body"]
    assert first["stream"] is True and first["stream_options"] == {"include_usage": True}
    assert first["max_tokens"] == 64 and first["temperature"] == 0 and first["model"] == "openai/gpt-oss-20b"
    assert ollama.requests[1]["body"]["options"] == {"num_predict": 64, "temperature": 0}
    assert prompts.WARMUP in user_prompt(vllm.requests[0])
    sent = [user_prompt(r) for r in vllm.requests[1:]]
    assert sent == [user_prompt(r) for r in ollama.requests[1:]]
    assert [s.split("] ", 1)[1] for s in sent] == list(prompts.BUILTIN) and len(set(sent)) == 3


def test_json_on_stdout(capsys, fake_engine):
    engine = fake_engine("openai", "m", usage=False)
    status, out, err = bench(capsys, "--format", "json", "--url", f"llamacpp={engine.url}/v1", "-q")
    doc = json.loads(out)
    (row,) = doc["engines"]
    assert status == 0 and row["prefill_tps"] is None and row["completion_tokens"] == 3 * 5
    assert row["url"] == engine.url and row["measurements"][0]["usage"] is False
    assert err.strip() == "engines bench: PASS — 1 engines: 1 measured, 0 not running"


def test_prompts_repeat_exact_and_no_warmup(capsys, tmp_path, fake_engine):
    engine = fake_engine("ollama", "a:1")
    out_json = tmp_path / "bench.json"
    status, out, _ = bench(capsys, "--url", f"ollama={engine.url},a:1", "--json", str(out_json), "--prompt", "one",
                           "--prompt", "two", "--repeat", "2", "--no-warmup", "--exact-prompts", "--max-tokens", "8")
    assert status == 0
    assert [user_prompt(r) for r in engine.requests] == ["one", "two", "one", "two"]
    assert engine.requests[0]["body"]["options"]["num_predict"] == 8
    assert [(m["request"], m["prompt"]) for m in json.loads(out_json.read_text())["engines"][0]["measurements"]] == [
        (1, 1), (2, 2), (3, 1), (4, 2)]
    assert out.splitlines()[2].split()[-1] == "4"


def test_failing_engine_is_an_error_row(capsys, fake_engine):
    good = fake_engine("openai", "m")
    bad = fake_engine("openai", "m", fail=True)
    status, out, _ = bench(capsys, "--url", f"vllm={good.url}", "--url", f"nim={bad.url}")
    assert status == 1
    assert "nim: warm-up: HTTP 500 Internal Server Error" in out and "CUDA out of memory" in out
    assert out.splitlines()[-1].startswith("engines bench: FAIL — 2 engines: 1 measured, 0 not running, 1 failed")


def test_engine_listing_no_model(capsys, fake_engine):
    engine = fake_engine("openai", "")
    status, out, _ = bench(capsys, "--url", f"sglang={engine.url}")
    assert status == 1 and "lists no model" in out and not engine.requests


def test_nothing_running(capsys, refused_url):
    status, out, _ = bench(capsys, "--url", f"vllm={refused_url}", "--url", f"ollama={refused_url}")
    assert status == 1 and out.splitlines()[-1].startswith("engines bench: FAIL: no engine running")


def test_request_deadline(capsys, fake_engine):
    slow = fake_engine("openai", "m", first_delay=3)
    started = time.monotonic()
    status = cli.main(["bench", "--timeout", "0.5", "--url", f"vllm={slow.url}", "--no-warmup"])
    out, _ = capsys.readouterr()
    assert status == 1 and time.monotonic() - started < 2.5
    assert "vllm: request 1/3: the answer did not end within 0.5 s" in out


def test_inventory_engines(capsys, monkeypatch, fake_engine):
    vllm = fake_engine("openai", "served")
    ollama = fake_engine("ollama", "q:1")

    def port(url):
        return int(url.rsplit(":", 1)[1])

    hosts = [{"name": "spark-1", "address": "127.0.0.1", "endpoints": [
                 {"name": "vllm", "api": "openai", "port": port(vllm.url), "model": "served", "health": "/health"}]},
             {"name": "spark-2", "address": "127.0.0.1", "endpoints": [
                 {"name": "ollama", "api": "ollama", "port": port(ollama.url), "model": None, "health": "/"}]},
             {"name": "spark-3", "address": "127.0.0.1", "endpoints": []}]
    monkeypatch.setattr(cli, "load_hosts", lambda path: hosts)
    status, out, _ = bench(capsys, "--inventory", "lab.py", "--limit", "spark-2,spark-1", "--no-warmup")
    assert status == 0
    assert [line.split()[:3] for line in out.splitlines()[2:4]] == [["spark-1", "vllm", "served"],
                                                                    ["spark-2", "ollama", "q:1"]]
    status, _, err = bench(capsys, "--inventory", "lab.py", "--limit", "spark-9")
    assert status == 2 and "no host spark-9 in the inventory" in err
    status, _, err = bench(capsys, "--inventory", "lab.py", "--limit", "spark-3")
    assert status == 2 and "enables no engine" in err


@pytest.mark.parametrize(("argv", "message"), [
    ([], "give --url"),
    (["--url", "vllm"], "expected NAME=URL"),
    (["--url", "vllm=http://h", "--limit", "spark-1"], "--limit needs --inventory"),
    (["--url", "vllm=http://h", "--max-tokens", "0"], "greater than 0"),
    (["--url", "vllm=http://h", "--prompts-file", "/nonexistent/prompts.txt"], "--prompts-file"),
    (["--inventory", "/nonexistent/lab.py"], "no inventory file"),
    (["--url", "vllm=http://h", "--json", "/nonexistent/out.json"], "no folder /nonexistent"),
])
def test_usage_errors(capsys, argv, message):
    try:
        status = cli.main(["bench", *argv])
    except SystemExit as stop:  # argparse
        status = stop.code
    assert status == 2 and message in capsys.readouterr().err


def test_module_entry_point(fake_engine):
    engine = fake_engine("openai", "m")
    done = subprocess.run([sys.executable, "-m", "engines", "bench", *FAST, "--url", f"vllm={engine.url}"],
                          cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[2].split()[:3] == ["127.0.0.1", "vllm", "m"]
