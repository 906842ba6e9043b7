"""TTFT, prefill and decode tokens/s from injected timestamps, and the medians of an engine's requests."""

import json

import pytest

from engines.metrics import (
    Measurement,
    as_dict,
    from_ollama_stream,
    from_openai_stream,
    ollama_measurement,
    openai_measurement,
    summarize,
)
from engines.parsers import StreamError


def timed(lines: list[tuple[float, bytes]]):
    return iter(lines)


def data(event) -> bytes:
    return b"data: " + (event if isinstance(event, bytes) else json.dumps(event).encode()) + b"\n"


def content(text):
    return {"choices": [{"index": 0, "delta": {"content": text}}]}


USAGE = {"choices": [], "usage": {"prompt_tokens": 100, "completion_tokens": 5, "total_tokens": 105}}


def openai_lines(usage: bool = True):
    """Sent at t=10; role-only at 10.1; first text at 10.5; text every 0.1 s; last at 10.9."""
    lines = [(10.05, b": keep-alive\n"), (10.05, b"\n"),
             (10.1, data({"choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})), (10.1, b"\n")]
    for n, at in enumerate((10.5, 10.6, 10.7, 10.8, 10.9)):
        lines += [(at, data(content(f"t{n}"))), (at, b"\n")]
    lines += [(10.95, data(content(""))), (10.95, b"\n")]
    if usage:
        lines += [(10.96, data(USAGE)), (10.96, b"\n")]
    return lines + [(10.97, data(b"[DONE]")), (10.97, b"\n"), (11.5, data(content("after done")))]


def test_openai_with_usage():
    m = from_openai_stream(10.0, timed(openai_lines()))
    assert m.ttft_s == pytest.approx(0.5)
    assert m.prefill_tps == pytest.approx(100 / 0.5)
    assert m.decode_tps == pytest.approx(4 / 0.4)  # (5 - 1) tokens between the first and the last
    assert (m.prompt_tokens, m.completion_tokens, m.usage) == (100, 5, True)


def test_openai_without_usage_counts_chunks_and_leaves_prefill_unknown():
    m = from_openai_stream(10.0, timed(openai_lines(usage=False)))
    assert m.ttft_s == pytest.approx(0.5) and m.prefill_tps is None and m.prompt_tokens is None
    assert m.completion_tokens == 5 and m.decode_tps == pytest.approx(10.0) and m.usage is False


def test_openai_usage_counts_beat_chunk_counts():
    # Engines that stream several tokens per chunk: usage says 9 tokens in 3 chunks.
    usage = {"choices": [], "usage": {"prompt_tokens": 8, "completion_tokens": 9}}
    lines = [(1.2, data(content("abc"))), (1.4, data(content("def"))), (1.6, data(content("ghi"))),
             (1.7, data(usage)), (1.8, data(b"[DONE]"))]
    m = from_openai_stream(1.0, timed(lines))
    assert m.decode_tps == pytest.approx(8 / 0.4) and m.prefill_tps == pytest.approx(8 / 0.2)


def test_openai_stream_without_done_still_counts():
    m = from_openai_stream(0.0, timed([(0.2, data(content("a"))), (0.3, data(content("b")))]))
    assert m.completion_tokens == 2 and m.ttft_s == pytest.approx(0.2)


def test_openai_no_text_is_an_error():
    with pytest.raises(ValueError, match="no text"):
        from_openai_stream(0.0, timed([(0.1, data({"choices": [{"delta": {"role": "assistant"}}]})),
                                       (0.2, data(b"[DONE]"))]))


def test_openai_error_in_stream():
    with pytest.raises(StreamError, match="boom"):
        from_openai_stream(0.0, timed([(0.1, data({"error": {"message": "boom"}}))]))


def test_single_token_has_no_decode_rate():
    m = openai_measurement(0.0, [0.3], {"prompt_tokens": 3, "completion_tokens": 1})
    assert m.decode_tps is None and m.prefill_tps == pytest.approx(10.0)


def test_ollama_server_side_rates_and_client_ttft():
    final = {"done": True, "prompt_eval_count": 30, "prompt_eval_duration": 15_000_000, "eval_count": 20,
             "eval_duration": 400_000_000}
    lines = [(5.0, b"\n"), (5.25, json.dumps({"response": "", "done": False}).encode() + b"\n"),
             (5.3, json.dumps({"response": "Hi", "done": False}).encode() + b"\n"),
             (5.9, json.dumps(final).encode() + b"\n")]
    m = from_ollama_stream(5.0, timed(lines))
    assert m.ttft_s == pytest.approx(0.3)
    assert m.prefill_tps == pytest.approx(30 / 0.015) and m.decode_tps == pytest.approx(20 / 0.4)
    assert (m.prompt_tokens, m.completion_tokens, m.usage) == (30, 20, True)


def test_ollama_cached_prompt_without_prompt_counters():
    m = ollama_measurement(0.0, 0.1, {"done": True, "eval_count": 4, "eval_duration": 0}, chunks=4)
    assert m.prefill_tps is None and m.decode_tps is None and m.completion_tokens == 4


def test_ollama_stream_cut_before_done():
    with pytest.raises(StreamError, match="done: true"):
        from_ollama_stream(0.0, timed([(0.1, b'{"response": "a", "done": false}\n')]))


def test_summary_medians_and_totals():
    ms = [Measurement(0.1, 100.0, 20.0, 10, 5, True), Measurement(0.3, None, 30.0, None, 5, False),
          Measurement(0.2, 300.0, 10.0, 30, 5, True)]
    assert summarize(ms) == {"requests": 3, "ttft_ms": 200.0, "prefill_tps": 200.0, "decode_tps": 20.0,
                             "prompt_tokens": 40, "completion_tokens": 15}
    assert summarize([]) == {"requests": 0, "ttft_ms": None, "prefill_tps": None, "decode_tps": None,
                             "prompt_tokens": None, "completion_tokens": None}
    assert list(as_dict(ms[0], prompt=2).items()) == [
        ("prompt", 2), ("ttft_ms", 100.0), ("prefill_tps", 100.0), ("decode_tps", 20.0), ("prompt_tokens", 10),
        ("completion_tokens", 5), ("usage", True)]
