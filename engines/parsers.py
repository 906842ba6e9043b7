"""What the engines send back, parsed without any I/O: model lists, OpenAI server-sent events, Ollama JSON lines.

Text counts as generated whether it is the answer or the reasoning: vLLM and SGLang stream a reasoning model's
thinking as ``delta.reasoning_content`` (newer vLLM: ``delta.reasoning``), Ollama as ``thinking``; counting only
``content`` would time gpt-oss's first *answer* token, after its whole analysis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

DONE = "[DONE]"  # what SseParser.feed returns for ``data: [DONE]``
MAX_EVENT_CHARS = 1 << 20  # one event's data; more is not an engine talking
OPENAI_TEXT_KEYS = ("content", "reasoning_content", "reasoning")
OLLAMA_TEXT_KEYS = ("response", "thinking")


class StreamError(Exception):
    """The engine reported an error in its stream, or sent something that is not its API."""


def openai_model_ids(document: Any) -> list[str]:
    """``GET /v1/models``: ``{"data": [{"id": ...}, ...]}``; ValueError when it is not that."""
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise ValueError("not an OpenAI model list (no 'data' list)")  # noqa: TRY004 - a wrong answer
    return [m["id"] for m in document["data"] if isinstance(m, dict) and isinstance(m.get("id"), str)]


def ollama_model_names(document: Any) -> list[str]:
    """``GET /api/tags``: ``{"models": [{"name": ...}, ...]}``; ValueError when it is not that."""
    if not isinstance(document, dict) or not isinstance(document.get("models"), list):
        raise ValueError("not an Ollama model list (no 'models' list)")  # noqa: TRY004 - a wrong answer
    names = []
    for model in document["models"]:
        if isinstance(model, dict):
            name = model.get("name") or model.get("model")
            if isinstance(name, str):
                names.append(name)
    return names


def _error_text(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error)


class SseParser:
    """Server-sent events, one line at a time (``text/event-stream``).

    ``feed(line)`` returns the events that line completes: a JSON object (dict) or :data:`DONE`. Comments
    (``: keep-alive``), ``event:``/``id:``/``retry:`` fields and blank lines yield nothing. An event ends at a
    blank line, as the standard says, or as soon as its data is a whole JSON document (some servers leave out
    the blank line; waiting for it would shift every timestamp by one event).
    """

    def __init__(self) -> None:
        self._data: list[str] = []

    def feed(self, line: bytes | str) -> list[dict | str]:
        text = (line.decode("utf-8", errors="replace") if isinstance(line, bytes) else line).rstrip("\r\n")
        if not text:
            return self._dispatch(final=True)
        if text.startswith(":"):
            return []
        field, _, value = text.partition(":")
        if field != "data":
            return []
        self._data.append(value.removeprefix(" "))
        return self._dispatch(final=False)

    def close(self) -> list[dict | str]:
        """The end of the stream: whatever data is still pending."""
        return self._dispatch(final=True)

    def _dispatch(self, final: bool) -> list[dict | str]:
        if not self._data:
            return []
        payload = "\n".join(self._data)
        if payload.strip() == DONE:
            self._data = []
            return [DONE]
        try:
            event = json.loads(payload)
        except ValueError:
            if final or len(payload) > MAX_EVENT_CHARS:
                self._data = []
                raise StreamError(f"unreadable event: {payload[:200]!r}") from None
            return []  # a JSON document spread over several data lines: wait for the rest
        self._data = []
        if not isinstance(event, dict):
            raise StreamError(f"unexpected event: {payload[:200]!r}")
        return [event]


@dataclass(frozen=True)
class Delta:
    """One OpenAI chat-completion chunk: its generated text ("" for role-only or empty chunks) and usage."""

    text: str
    usage: dict | None


def openai_delta(event: dict) -> Delta:
    """A ``chat.completion.chunk``; StreamError for ``{"error": ...}`` (vLLM reports failures in the stream)."""
    if event.get("error"):
        raise StreamError(_error_text(event["error"]))
    usage = event.get("usage") if isinstance(event.get("usage"), dict) else None
    text = ""
    for choice in event.get("choices") or []:
        delta = choice.get("delta") if isinstance(choice, dict) else None
        if isinstance(delta, dict):
            text += "".join(delta[k] for k in OPENAI_TEXT_KEYS if isinstance(delta.get(k), str))
    return Delta(text, usage)


def ollama_event(line: bytes | str) -> dict | None:
    """One line of ``/api/generate``'s stream: its JSON object, None for a blank line."""
    text = (line.decode("utf-8", errors="replace") if isinstance(line, bytes) else line).strip()
    if not text:
        return None
    try:
        event = json.loads(text)
    except ValueError:
        raise StreamError(f"unreadable line: {text[:200]!r}") from None
    if not isinstance(event, dict):
        raise StreamError(f"unexpected line: {text[:200]!r}")
    if event.get("error"):
        raise StreamError(_error_text(event["error"]))
    return event


def ollama_text(event: dict) -> str:
    return "".join(event[k] for k in OLLAMA_TEXT_KEYS if isinstance(event.get(k), str))
