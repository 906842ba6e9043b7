"""What the engines stream, parsed from canned bytes: server-sent events, OpenAI chunks, Ollama JSON lines."""

import json

import pytest

from engines.parsers import (
    DONE,
    SseParser,
    StreamError,
    ollama_event,
    ollama_model_names,
    ollama_text,
    openai_delta,
    openai_model_ids,
)


def feed_all(raw: bytes) -> list:
    parser, events = SseParser(), []
    for line in raw.splitlines(keepends=True):
        events += parser.feed(line)
    return events + parser.close()


def chunk(delta: dict | None = None, **extra) -> dict:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": None}]
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": choices, **extra}


def sse(*events) -> bytes:
    return b"".join(b"data: " + (e if isinstance(e, bytes) else json.dumps(e).encode()) + b"\n\n" for e in events)


VLLM_STREAM = (
    b": ping - 2026-01-01 00:00:00\r\n\r\n"
    + sse(chunk({"role": "assistant", "content": ""}), chunk({"content": "Paris"}), chunk({"content": ""}),
          chunk({"content": " is"}), chunk({}), chunk(None, usage={"prompt_tokens": 17, "completion_tokens": 3}),
          b"[DONE]")
)


def test_sse_events_in_order_with_keep_alive_comments_skipped():
    events = feed_all(VLLM_STREAM)
    assert events[-1] == DONE and len(events) == 7
    texts = [openai_delta(e).text for e in events[:-1]]
    assert texts == ["", "Paris", "", " is", "", ""]
    assert openai_delta(events[5]).usage == {"prompt_tokens": 17, "completion_tokens": 3}
    assert all(openai_delta(e).usage is None for e in events[:5])


def test_sse_event_ends_at_its_data_line_even_without_a_blank_line():
    parser = SseParser()
    assert parser.feed(b'data: {"choices": []}\n') == [{"choices": []}]
    assert parser.feed(b"\n") == []
    assert parser.feed(b"data:[DONE]\n") == [DONE]


def test_sse_multi_line_data_waits_for_the_whole_document():
    parser = SseParser()
    assert parser.feed(b'data: {"choices":\n') == []
    assert parser.feed(b"data: []}\n") == [{"choices": []}]


def test_sse_other_fields_and_comments_yield_nothing():
    parser = SseParser()
    for line in (b": keep-alive\n", b"event: message\n", b"id: 7\n", b"retry: 1000\n", b"\n", b"\r\n"):
        assert parser.feed(line) == []
    assert parser.close() == []


def test_sse_unreadable_event_is_a_stream_error():
    parser = SseParser()
    assert parser.feed(b"data: <html>bad gateway\n") == []
    with pytest.raises(StreamError, match="unreadable event"):
        parser.feed(b"\n")


def test_sse_error_event_as_vllm_sends_it():
    (event,) = feed_all(sse({"error": {"object": "error", "message": "prompt is too long", "code": 400}}))
    with pytest.raises(StreamError, match="prompt is too long"):
        openai_delta(event)


def test_role_only_and_null_content_chunks_have_no_text():
    assert openai_delta(chunk({"role": "assistant"})).text == ""
    assert openai_delta(chunk({"role": "assistant", "content": None})).text == ""  # llama.cpp
    assert openai_delta(chunk({"content": None, "tool_calls": []})).text == ""


def test_reasoning_counts_as_generated_text():
    assert openai_delta(chunk({"reasoning_content": "Let me think"})).text == "Let me think"  # vLLM, SGLang
    assert openai_delta(chunk({"reasoning": "Hmm", "content": None})).text == "Hmm"  # newer vLLM


def test_usage_chunk_without_choices_and_null_usage():
    assert openai_delta(chunk(None, usage={"prompt_tokens": 5, "completion_tokens": 2})).text == ""
    assert openai_delta(chunk({"content": "x"}, usage=None)).usage is None


def test_model_lists():
    assert openai_model_ids({"object": "list", "data": [{"id": "openai/gpt-oss-20b"}, {"x": 1}]}) == [
        "openai/gpt-oss-20b"]
    assert openai_model_ids({"data": []}) == []
    assert ollama_model_names({"models": [{"name": "qwen2.5:0.5b", "model": "qwen2.5:0.5b"}, {"model": "a:1"}]}) == [
        "qwen2.5:0.5b", "a:1"]
    for wrong in ({"detail": "Not Found"}, [], "text", {"data": "x"}):
        with pytest.raises(ValueError, match="model list"):
            openai_model_ids(wrong)
    with pytest.raises(ValueError, match="Ollama"):
        ollama_model_names({"data": []})


OLLAMA_STREAM = b"".join(json.dumps(e).encode() + b"\n" for e in (
    {"model": "qwen2.5:0.5b", "response": "", "done": False},
    {"model": "qwen2.5:0.5b", "response": "Paris", "done": False},
    {"model": "qwen2.5:0.5b", "thinking": "hmm", "response": "", "done": False},
    {"model": "qwen2.5:0.5b", "response": "", "done": True, "prompt_eval_count": 30,
     "prompt_eval_duration": 15000000, "eval_count": 2, "eval_duration": 40000000},
))


def test_ollama_lines():
    events = [ollama_event(line) for line in OLLAMA_STREAM.splitlines(keepends=True)]
    assert [ollama_text(e) for e in events] == ["", "Paris", "hmm", ""]
    assert events[-1]["done"] is True and events[-1]["eval_count"] == 2
    assert ollama_event(b"\n") is None and ollama_event(b"  \r\n") is None


def test_ollama_error_and_garbage():
    with pytest.raises(StreamError, match="model 'x' not found"):
        ollama_event(b'{"error": "model \'x\' not found"}\n')
    with pytest.raises(StreamError, match="unreadable"):
        ollama_event(b"data: {}\n")
    with pytest.raises(StreamError, match="unexpected"):
        ollama_event(b"[1, 2]\n")
