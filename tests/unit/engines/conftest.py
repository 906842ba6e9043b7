"""Tiny engines on 127.0.0.1, in threads: an OpenAI-compatible one streaming server-sent events (chunked, with a
delay before the first token) and an Ollama one streaming JSON lines; plus a port where nothing listens."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the client hung up (a test's deadline): nothing to report


class FakeEngine:
    """``api``: "openai" or "ollama"; ``model``: the one it lists ("" for none). ``first_delay``: seconds
    before the first token; ``tokens``: how many; ``usage``: send the usage chunk (OpenAI); ``fail``: answer
    the generation route with HTTP 500."""

    def __init__(self, api: str, model: str, first_delay: float = 0.0, tokens: int = 5, token_gap: float = 0.005,
                 usage: bool = True, fail: bool = False, prompt_tokens: int = 42):
        self.api, self.model, self.first_delay, self.tokens = api, model, first_delay, tokens
        self.token_gap, self.usage, self.fail, self.prompt_tokens = token_gap, usage, fail, prompt_tokens
        self.requests: list[dict] = []
        engine = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if api == "openai" else "HTTP/1.0"

            def log_message(self, *args):
                pass

            def do_GET(self):
                engine.get(self)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                engine.requests.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
                engine.post(self)

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    @staticmethod
    def _json(handler, status: int, document: dict):
        body = json.dumps(document).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def get(self, handler):
        if self.api == "openai" and handler.path == "/v1/models":
            listed = [{"id": self.model, "object": "model"}] if self.model else []
            self._json(handler, 200, {"object": "list", "data": listed})
        elif self.api == "ollama" and handler.path == "/api/tags":
            self._json(handler, 200, {"models": [{"name": self.model, "model": self.model}] if self.model else []})
        else:
            self._json(handler, 404, {"error": "not found"})

    def post(self, handler):
        if self.fail:
            self._json(handler, 500, {"error": {"message": "CUDA out of memory", "code": 500}})
            return
        if self.api == "openai" and handler.path == "/v1/chat/completions":
            self._sse(handler)
        elif self.api == "ollama" and handler.path == "/api/generate":
            self._json_lines(handler)
        else:
            self._json(handler, 404, {"error": "not found"})

    def _sse(self, handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.close_connection = True

        def send(text: str):
            data = text.encode()
            handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            handler.wfile.flush()

        def chunk(delta: dict, **extra):
            return "data: " + json.dumps({"object": "chat.completion.chunk", "model": self.model,
                                          "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
                                          **extra}) + "\n\n"

        send(": keep-alive\n\n")
        send(chunk({"role": "assistant", "content": ""}))
        time.sleep(self.first_delay)
        for n in range(self.tokens):
            send(chunk({"content": f"tok{n} "}))
            time.sleep(self.token_gap)
        send(chunk({}))
        if self.usage:
            usage = {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.tokens,
                     "total_tokens": self.prompt_tokens + self.tokens}
            send("data: " + json.dumps({"object": "chat.completion.chunk", "choices": [], "usage": usage}) + "\n\n")
        send("data: [DONE]\n\n")
        handler.wfile.write(b"0\r\n\r\n")

    def _json_lines(self, handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/x-ndjson")
        handler.end_headers()
        time.sleep(self.first_delay)
        for n in range(self.tokens):
            handler.wfile.write(json.dumps({"model": self.model, "response": f"tok{n} ", "done": False}).encode()
                                + b"\n")
            handler.wfile.flush()
            time.sleep(self.token_gap)
        final = {"model": self.model, "response": "", "done": True, "done_reason": "length",
                 "prompt_eval_count": self.prompt_tokens, "prompt_eval_duration": 20_000_000,
                 "eval_count": self.tokens, "eval_duration": 50_000_000}
        handler.wfile.write(json.dumps(final).encode() + b"\n")


@pytest.fixture
def fake_engine():
    engines = []

    def start(api: str, model: str, **options) -> FakeEngine:
        engines.append(FakeEngine(api, model, **options))
        return engines[-1]

    yield start
    for engine in engines:
        engine.close()


@pytest.fixture
def refused_url():
    """A 127.0.0.1 URL where nothing listens (the port was just free)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
