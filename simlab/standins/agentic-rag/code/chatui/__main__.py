# LAB FIXTURE (sparklab simulated lab): stand-in of NVIDIA/workbench-example-agentic-rag's chat UI entry point.
"""``python3 -m chatui [--host 0.0.0.0] [--port 8080]``, run from ``code/`` like the real app (Gradio there;
Python stdlib here). ``GET /`` answers 200 with a page; nothing calls an API. Like the real app it needs
NVIDIA_API_KEY and TAVILY_API_KEY: without either it exits 1 and says which is missing. SIGTERM exits 0."""
from __future__ import annotations

import argparse
import http.server
import os
import signal
import sys

REQUIRED = ("NVIDIA_API_KEY", "TAVILY_API_KEY")
PAGE = (b"<!doctype html><title>Agentic RAG (stand-in)</title><h1>Agentic RAG chat stand-in</h1>"
        b"<p>LAB FIXTURE of the simulated lab: no model, no search, no vector store.</p>\n")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        prefix = os.environ.get("PROXY_PREFIX") or ""
        path = self.path.split("?", 1)[0]
        if prefix and path.startswith(prefix):
            path = path[len(prefix):] or "/"
        status, body, ctype = ((200, PAGE, "text/html; charset=utf-8") if path in ("/", "/index.html")
                               else (404, b'{"detail":"Not Found"}', "application/json"))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        print(f"chatui: {self.address_string()} {format % args}", file=sys.stderr, flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python3 -m chatui", description="Agentic RAG chat UI (stand-in)")
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=8080)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        print(f"chatui: {' and '.join(missing)} not set: configure the project's secrets", file=sys.stderr)
        return 1

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    server = http.server.ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"chatui stand-in on http://{args.host}:{args.port} (LAB FIXTURE)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
