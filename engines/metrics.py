"""The numbers of one request, from timestamps taken by the client (and Ollama's own counters), and their medians.

- TTFT: from sending the request to the first non-empty generated text, on the client's clock.
- prefill tokens/s: OpenAI APIs: ``usage.prompt_tokens`` / TTFT (None when the engine sends no usage: no number
  is better than an invented one); Ollama: ``prompt_eval_count`` / ``prompt_eval_duration`` (server side).
- decode tokens/s: OpenAI APIs: (completion tokens - 1) / (last token time - first token time), the completion
  tokens from ``usage``, else the number of chunks with text (one token per chunk, as most engines stream);
  Ollama: ``eval_count`` / ``eval_duration``.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from engines.parsers import DONE, SseParser, StreamError, ollama_event, ollama_text, openai_delta

NS = 1e9


@dataclass(frozen=True)
class Measurement:
    ttft_s: float
    prefill_tps: float | None
    decode_tps: float | None
    prompt_tokens: int | None
    completion_tokens: int | None
    usage: bool  # token counts came from the engine (else: chunks counted, prompt unknown)


def _count(document: dict | None, key: str) -> int | None:
    value = (document or {}).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _rate(tokens: int | None, seconds: float | None) -> float | None:
    if tokens is None or seconds is None or tokens <= 0 or seconds <= 0:
        return None
    return tokens / seconds


def openai_measurement(sent: float, token_times: list[float], usage: dict | None) -> Measurement:
    """``token_times``: when each chunk with text arrived; ``usage``: the final chunk's, if any."""
    if not token_times:
        raise ValueError("the engine streamed no text")
    first, last = token_times[0], token_times[-1]
    ttft = first - sent
    prompt_tokens = _count(usage, "prompt_tokens")
    completion_tokens = _count(usage, "completion_tokens")
    if completion_tokens is None:
        completion_tokens = len(token_times)
    return Measurement(ttft, _rate(prompt_tokens, ttft), _rate(completion_tokens - 1, last - first),
                       prompt_tokens, completion_tokens, usage=_count(usage, "completion_tokens") is not None)


def ollama_measurement(sent: float, first_token: float | None, final: dict, chunks: int = 0) -> Measurement:
    """``final``: the ``done: true`` line with Ollama's counters (durations in nanoseconds)."""
    if first_token is None:
        raise ValueError("the engine streamed no text")
    prompt_tokens = _count(final, "prompt_eval_count")
    prompt_ns = _count(final, "prompt_eval_duration")
    eval_count = _count(final, "eval_count")
    eval_ns = _count(final, "eval_duration")
    return Measurement(first_token - sent, _rate(prompt_tokens, prompt_ns and prompt_ns / NS),
                       _rate(eval_count, eval_ns and eval_ns / NS), prompt_tokens,
                       eval_count if eval_count is not None else chunks or None, usage=eval_count is not None)


def from_openai_stream(sent: float, lines: Iterable[tuple[float, bytes]]) -> Measurement:
    """A chat-completions SSE stream, each line with the time it arrived; stops at ``data: [DONE]``."""
    parser, token_times, usage = SseParser(), [], None

    def take(events: list, at: float) -> bool:
        nonlocal usage
        for event in events:
            if event == DONE:
                return True
            delta = openai_delta(event)
            usage = delta.usage or usage
            if delta.text:
                token_times.append(at)
        return False

    at = sent
    for at, line in lines:
        if take(parser.feed(line), at):
            break
    else:
        take(parser.close(), at)  # ended without [DONE]: what was streamed still counts
    return openai_measurement(sent, token_times, usage)


def from_ollama_stream(sent: float, lines: Iterable[tuple[float, bytes]]) -> Measurement:
    """An ``/api/generate`` JSON-lines stream, each line with the time it arrived; stops at ``done: true``."""
    first, chunks = None, 0
    for at, line in lines:
        event = ollama_event(line)
        if event is None:
            continue
        if ollama_text(event):
            chunks += 1
            first = at if first is None else first
        if event.get("done"):
            return ollama_measurement(sent, first, event, chunks)
    raise StreamError("the stream ended before its done: true line")


def _median(values: list[float | None], scale: float = 1.0) -> float | None:
    known = [v * scale for v in values if v is not None]
    return round(statistics.median(known), 3) if known else None


def _total(values: list[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def summarize(measurements: list[Measurement]) -> dict:
    """Medians over the counted requests (a rate unknown for some requests: the median of the others);
    token counts summed."""
    return {
        "requests": len(measurements),
        "ttft_ms": _median([m.ttft_s for m in measurements], 1000.0),
        "prefill_tps": _median([m.prefill_tps for m in measurements]),
        "decode_tps": _median([m.decode_tps for m in measurements]),
        "prompt_tokens": _total([m.prompt_tokens for m in measurements]),
        "completion_tokens": _total([m.completion_tokens for m in measurements]),
    }


def as_dict(measurement: Measurement, **extra) -> dict:
    """One request for the JSON report: ``extra`` first (which prompt), then its numbers."""
    data = asdict(measurement)
    rounded = {"ttft_ms": round(data.pop("ttft_s") * 1000.0, 3)}
    for key in ("prefill_tps", "decode_tps"):
        rounded[key] = None if data[key] is None else round(data.pop(key), 3)
    return {**extra, **rounded, **data}
