#!/usr/bin/python3
"""Multi-agent chatbot frontend stand-in (LAB FIXTURE for sparklab's simulated lab: not the Next.js UI).

Port 3000: GET / (an HTML page); GET /api/<path> proxied to $BACKEND_URL/<path> (http://backend:8000), like
the real next.config rewrite; 502 {"error": ...} when the backend does not answer.
"""
from __future__ import annotations

import os
import sys
import urllib.error
import urllib.parse
import urllib.request

import standin_server
import standin_web

TIMEOUT = 10


class FrontendHandler(standin_web.Handler):
    def _dispatch(self, method: str) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if method == "GET" and path in ("/", ""):
            return self.send_bytes(200, b"<!doctype html><title>Multi-agent chatbot (stand-in)</title>"
                                        b"<h1>Multi-agent chatbot stand-in</h1>"
                                        b"<p>LAB FIXTURE of the simulated lab.</p>\n", "text/html; charset=utf-8")
        if method == "GET" and path.startswith("/api/"):
            return self.proxy(self.path[len("/api"):])
        self.send_json(404, {"detail": "Not Found"})

    def proxy(self, rest: str) -> None:
        url = os.environ.get("BACKEND_URL", "http://backend:8000").rstrip("/") + rest
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
                status, body, ctype = r.status, r.read(), r.headers.get("Content-Type", "application/json")
        except urllib.error.HTTPError as e:
            status, body, ctype = e.code, e.read(), e.headers.get("Content-Type", "application/json")
        except (OSError, ValueError) as e:
            return self.send_json(502, {"error": f"backend at {url} unreachable: {getattr(e, 'reason', e)}"})
        self.send_bytes(status, body, ctype)


class FrontendServer(standin_server.Server):
    name = "chatbot-frontend"


def main() -> int:
    server = FrontendServer(("0.0.0.0", int(os.environ.get("PORT") or 3000)), FrontendHandler)
    return standin_server.run(server, "multi-agent chatbot frontend stand-in")


if __name__ == "__main__":
    sys.exit(main())
