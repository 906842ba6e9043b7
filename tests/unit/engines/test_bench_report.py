"""The comparison table, the JSON document, the verdict and its exit status."""

import json

from engines.bench_report import document, exit_status, table, to_json, verdict


def row(host, engine, status="ok", **fields):
    base = {"host": host, "engine": engine, "url": f"http://{host}:8000", "api": "openai", "model": "m",
            "status": status, "requests": 3, "ttft_ms": 123.456, "prefill_tps": 4567.89, "decode_tps": 45.67,
            "prompt_tokens": 900, "completion_tokens": 192, "served_models": ["m"], "measurements": []}
    if status != "ok":
        base.update(requests=0, ttft_ms=None, prefill_tps=None, decode_tps=None, prompt_tokens=None,
                    completion_tokens=None)
    return {**base, **fields}


ROWS = [
    row("spark-2", "vllm", model="openai/gpt-oss-20b"),
    row("spark-1", "vllm", status="not running", model="openai/gpt-oss-20b", reason="connection refused"),
    row("spark-1", "ollama", api="ollama", model="gpt-oss:20b", decode_tps=None),
    row("spark-1", "trtllm", status="error", error="request 1/3: HTTP 500 Internal Server Error"),
    row("spark-1", "nim", prefill_tps=None),
]


def test_table_sorted_by_host_then_engine_with_aligned_numbers():
    lines = table(ROWS).splitlines()
    assert lines[0].split() == ["host", "engine", "model", "TTFT", "ms", "prefill", "tok/s", "decode", "tok/s",
                                "requests"]
    assert set(lines[1]) == {"-", " "}
    assert [line.split()[:2] for line in lines[2:7]] == [["spark-1", "nim"], ["spark-1", "ollama"],
                                                         ["spark-1", "trtllm"], ["spark-1", "vllm"],
                                                         ["spark-2", "vllm"]]
    assert lines[6].split()[2:] == ["openai/gpt-oss-20b", "123.5", "4567.9", "45.7", "3"]
    assert lines[3].split()[2:] == ["gpt-oss:20b", "123.5", "4567.9", "-", "3"]
    assert lines[4].split()[2:] == ["m", "ERROR", "-", "-", "0"]
    assert lines[5].split()[2:] == ["openai/gpt-oss-20b", "not", "running"]
    # right-aligned numbers: every number ends where its header ends
    header_end = lines[0].index("decode tok/s") + len("decode tok/s")
    assert lines[6][:header_end].endswith("45.7") and lines[3][:header_end].endswith("-")


def test_table_notes_errors_and_unknown_prefill():
    text = table(ROWS)
    assert "spark-1 trtllm: request 1/3: HTTP 500 Internal Server Error" in text
    assert "prefill unknown for spark-1 nim: no token usage in the stream" in text


def test_error_after_some_requests_keeps_their_numbers():
    lines = table([row("h", "sglang", status="error", requests=2, ttft_ms=10.0, prefill_tps=1.0, decode_tps=2.0,
                       error="request 3/3: timed out")]).splitlines()
    assert lines[2].split()[2:] == ["m", "10.0", "1.0", "2.0", "2", "ERROR"]
    assert lines[-1] == "h sglang: request 3/3: timed out"


def test_exit_status_and_verdict():
    assert exit_status(ROWS) == 1
    assert verdict(ROWS) == ("engines bench: FAIL — 5 engines: 3 measured, 1 not running, 1 failed (spark-1 trtllm)")
    ok = [r for r in ROWS if r["status"] != "error"]
    assert exit_status(ok) == 0 and verdict(ok).startswith("engines bench: PASS — 4 engines: 3 measured")
    down = [r for r in ROWS if r["status"] == "not running"]
    assert exit_status(down) == 1 and verdict(down) == (
        "engines bench: FAIL: no engine running — 1 engines: 0 measured, 1 not running")
    assert exit_status([]) == 1


def test_json_document():
    doc = json.loads(to_json(document(ROWS, {"max_tokens": 64})))
    assert doc["status"] == "fail" and doc["settings"] == {"max_tokens": 64}
    assert [(e["host"], e["engine"]) for e in doc["engines"]][:2] == [("spark-1", "nim"), ("spark-1", "ollama")]
    trt = next(e for e in doc["engines"] if e["engine"] == "trtllm")
    assert trt["status"] == "error" and trt["error"].startswith("request 1/3")
    for key in ("host", "engine", "url", "api", "model", "status", "ttft_ms", "prefill_tps", "decode_tps",
                "requests", "prompt_tokens", "completion_tokens"):
        assert all(key in e for e in doc["engines"])
