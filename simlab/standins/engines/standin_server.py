"""OpenAI-compatible stand-in inference server (LAB FIXTURE for the simulated lab: no model, no GPU).

Answers the routes the real engines answer (vLLM, TensorRT-LLM, SGLang, NIM, llama.cpp, Ollama's /v1):
GET /v1/models, /health, /v1/health/ready, /v1/health/live; POST /v1/chat/completions and
/v1/completions, streamed (SSE) or not. The text is deterministic filler. Timing mimics an engine so
a benchmark sees distinct numbers: prompt_tokens / PREFILL_TPS seconds before the first token, then
1 / DECODE_TPS seconds between tokens (env STANDIN_PREFILL_TPS / STANDIN_DECODE_TPS, else the
engine's defaults below). Prompt tokens = whitespace-separated words of the prompt or messages.

Python 3.11 stdlib only: it runs in the stand-in images (Debian's python3.11) and, shipped inside
the Ollama stand-in's tarball, on the lab hosts.
"""
from __future__ import annotations

import http.server
import json
import os
import signal
import sys
import time
import urllib.parse
from typing import ClassVar

Routes = dict[tuple[str, str], str]  # (method, path) -> handler method name

# engine -> (prefill tokens/s, decode tokens/s): distinct, plausible orders of magnitude.
SPEEDS = {"vllm": (2000, 60), "trtllm": (2500, 70), "sglang": (2200, 65), "nim": (1800, 55),
          "llamacpp": (1200, 45), "ollama": (1000, 40)}
FILLER = ("this", "is", "a", "stand-in", "answer", "from", "the", "simulated", "lab", "with", "no", "model",
          "and", "no", "GPU", "behind", "it")
DEFAULT_MAX_TOKENS = 16
MAX_TOKENS_CAP = 512


class BadRequest(Exception):
    pass


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def speeds(engine: str) -> tuple[float, float]:
    prefill, decode = SPEEDS[engine]
    return (float(os.environ.get("STANDIN_PREFILL_TPS") or prefill),
            float(os.environ.get("STANDIN_DECODE_TPS") or decode))


def count_words(value) -> int:
    """Words in a prompt, a list of prompts, chat messages or content parts ({"type": "text", ...})."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, list):
        return sum(count_words(v) for v in value)
    if isinstance(value, dict):
        return count_words(value.get("content") or value.get("text") or "")
    return 0


def token_limit(value, default: int = DEFAULT_MAX_TOKENS) -> int:
    """max_tokens (num_predict for Ollama), capped; None or a negative "no limit" gives the default/cap."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"max_tokens must be an integer, got {value!r}")
    return MAX_TOKENS_CAP if value < 0 else max(1, min(value, MAX_TOKENS_CAP))


class Handler(http.server.BaseHTTPRequestHandler):
    """Routing, JSON and chunked streaming over HTTP/1.1 (keep-alive, like uvicorn)."""

    protocol_version = "HTTP/1.1"
    ROUTES: ClassVar[Routes] = {}

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(self.path).path.rstrip("/") or "/"
        name = self.ROUTES.get((method, path))
        try:
            if name is None:
                self.send_json(404, {"detail": "Not Found"})
            else:
                getattr(self, name)()
        except BadRequest as e:
            self.send_error_json(400, str(e))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away mid-stream

    def json_body(self) -> dict:
        try:
            body = json.loads(self.body or b"{}")
        except ValueError as e:
            raise BadRequest(f"invalid JSON body: {e}") from None
        if not isinstance(body, dict):
            raise BadRequest("the JSON body must be an object")
        return body

    def send_json(self, status: int, obj) -> None:
        self.send_bytes(status, json.dumps(obj).encode(), "application/json")

    def send_bytes(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_error_json(self, status: int, message: str) -> None:
        kind = {400: "BadRequestError", 404: "NotFoundError"}[status]
        self.send_json(status, {"error": {"message": message, "type": kind, "code": status}})

    def start_stream(self, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format, *args):
        log(f"{self.server.name}: {self.address_string()} {format % args}")


class OpenAIHandler(Handler):
    ROUTES: ClassVar[Routes] = {
        ("GET", "/health"): "health",
        ("GET", "/v1/health/ready"): "nim_health",
        ("GET", "/v1/health/live"): "nim_health",
        ("GET", "/v1/models"): "list_models",
        ("POST", "/v1/chat/completions"): "chat_completions",
        ("POST", "/v1/completions"): "completions",
    }

    def health(self):
        # llama-server answers {"status": "ok"}; vLLM, TensorRT-LLM and SGLang an empty 200.
        self.send_bytes(200, b'{"status":"ok"}' if self.server.name == "llamacpp" else b"", "application/json")

    def nim_health(self):
        self.send_json(200, {"object": "health.response", "message": "Service is ready."})

    def list_models(self):
        self.send_json(200, {"object": "list", "data": [
            {"id": m, "object": "model", "created": self.server.started, "owned_by": "sparklab-standin"}
            for m in self.server.models()]})

    def chat_completions(self):
        self._complete(chat=True)

    def completions(self):
        self._complete(chat=False)

    def _complete(self, chat: bool) -> None:
        body = self.json_body()
        model = self.server.resolve(body.get("model"))
        if model is None:
            return self.send_error_json(404, f"The model `{body.get('model')}` does not exist.")
        prompt = max(1, count_words(body.get("messages") if chat else body.get("prompt")))
        n = token_limit(body.get("max_tokens", body.get("max_completion_tokens")))
        usage = {"prompt_tokens": prompt, "completion_tokens": n, "total_tokens": prompt + n}
        head = {"id": f"{'chatcmpl' if chat else 'cmpl'}-{os.urandom(12).hex()}", "created": int(time.time()),
                "model": model}
        pieces = self.server.generate(prompt, n)
        if not body.get("stream"):
            text = "".join(pieces)
            choice = ({"message": {"role": "assistant", "content": text}} if chat
                      else {"text": text, "logprobs": None})
            return self.send_json(200, {**head, "object": "chat.completion" if chat else "text_completion",
                                        "choices": [{"index": 0, **choice, "finish_reason": "length"}],
                                        "usage": usage})
        head["object"] = "chat.completion.chunk" if chat else "text_completion"
        self.start_stream("text/event-stream")
        for i, piece in enumerate(pieces):
            if chat:
                choice = {"delta": {"role": "assistant", "content": piece} if i == 0 else {"content": piece}}
            else:
                choice = {"text": piece, "logprobs": None}
            finish = "length" if i == n - 1 else None
            self.sse({**head, "choices": [{"index": 0, **choice, "finish_reason": finish}]})
        if (body.get("stream_options") or {}).get("include_usage"):
            self.sse({**head, "choices": [], "usage": usage})
        self.write_chunk(b"data: [DONE]\n\n")
        self.end_stream()

    def sse(self, obj) -> None:
        self.write_chunk(b"data: " + json.dumps(obj).encode() + b"\n\n")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    name = "standin"


class EngineServer(Server):
    """Serves the fixed model ids ``served`` (the first is used when a request names none)."""

    def __init__(self, address: tuple[str, int], engine: str, served: list[str], handler=OpenAIHandler):
        self.name = engine
        self.served = list(served)
        self.started = int(time.time())
        self.prefill_tps, self.decode_tps = speeds(engine)
        super().__init__(address, handler)

    def models(self) -> list[str]:
        return self.served

    def resolve(self, name) -> str | None:
        """The served id a request's ``model`` names, or None when it is not served."""
        if not name:
            return self.served[0] if self.served else None
        return name if name in self.served else None

    def generate(self, prompt_tokens: int, n: int):
        """``n`` filler tokens, paced like an engine: prefill first, then one token per decode step."""
        time.sleep(prompt_tokens / self.prefill_tps)
        for i in range(n):
            if i:
                time.sleep(1 / self.decode_tps)
            word = FILLER[i % len(FILLER)]
            yield word if i == 0 else " " + word


def run(server: Server, banner: str) -> int:
    """Serve until SIGTERM (docker stop, systemctl stop) or SIGINT; then exit 0."""
    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    host, port = server.server_address[:2]
    log(f"{banner} on http://{host}:{port} (LAB FIXTURE: stand-in, no model, no GPU)")
    try:
        server.serve_forever()
    finally:
        server.server_close()
        log(f"{server.name}: stopped")
    return 0
