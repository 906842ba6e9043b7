#!/usr/bin/python3
"""txt2kg app stand-in (LAB FIXTURE for sparklab's simulated lab: not NVIDIA's Next.js app).

Listens on $HOSTNAME:$PORT (0.0.0.0:3000) and answers what the deploy checks:

    GET /                  200, an HTML page
    GET /api/config        {"ollamaModel", "ollamaBaseUrl", "vllmModel", "vllmBaseUrl", "graphDbType", ...}
    GET /api/ollama/tags   GET <$OLLAMA_BASE_URL without /v1>/api/tags, proxied; 502 {"error": ...} when it fails
    GET /api/health        the graph database ($ARANGODB_URL/_api/version, or a TCP connect to $NEO4J_URI),
                           Ollama and vLLM: 200 when the graph database and the configured LLM answer, else 503
"""
from __future__ import annotations

import json
import os
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import ClassVar

import standin_server
import standin_web

TIMEOUT = 5


def env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def config() -> dict:
    return {
        "ollamaModel": env("OLLAMA_MODEL"),
        "ollamaBaseUrl": env("OLLAMA_BASE_URL"),
        "vllmModel": env("VLLM_MODEL"),
        "vllmBaseUrl": env("VLLM_BASE_URL"),
        "graphDbType": env("GRAPH_DB_TYPE") or "arangodb",
        "arangodbUrl": env("ARANGODB_URL"),
        "arangodbDb": env("ARANGODB_DB"),
        "neo4jUri": env("NEO4J_URI"),
        "vectorDbType": env("VECTOR_DB_TYPE"),
        "standin": "LAB FIXTURE: sparklab simulated lab",
    }


def ollama_root(base_url: str) -> str:
    """OLLAMA_BASE_URL without its OpenAI suffix: http://ollama:11434/v1 -> http://ollama:11434."""
    base = base_url.rstrip("/")
    return base[:-3] if base.endswith("/v1") else base


def get(url: str) -> tuple[int, bytes]:
    """(status, body) of GET url; OSError (with the reason) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def probe(url: str) -> dict:
    try:
        status, body = get(url)
    except (OSError, ValueError) as e:
        return {"url": url, "ok": False, "error": str(getattr(e, "reason", e))}
    return {"url": url, "ok": status == 200, "status": status, "body": body.decode(errors="replace")[:200]}


def tcp_probe(uri: str) -> dict:
    parts = urllib.parse.urlsplit(uri)
    try:
        socket.create_connection((parts.hostname, parts.port or 7687), timeout=TIMEOUT).close()
    except (OSError, TypeError) as e:
        return {"url": uri, "ok": False, "error": str(e)}
    return {"url": uri, "ok": True}


class AppHandler(standin_web.Handler):
    ROUTES: ClassVar[standin_server.Routes] = {
        ("GET", "/"): "index", ("GET", "/api/config"): "api_config",
        ("GET", "/api/ollama/tags"): "ollama_tags", ("GET", "/api/health"): "health",
    }

    def index(self):
        self.send_bytes(200, b"<!doctype html><title>txt2kg (stand-in)</title><h1>txt2kg stand-in</h1>"
                             b"<p>LAB FIXTURE of the simulated lab: no knowledge graph is built here.</p>\n",
                        "text/html; charset=utf-8")

    def api_config(self):
        self.send_json(200, config())

    def ollama_tags(self):
        base = env("OLLAMA_BASE_URL")
        if not base:
            return self.send_json(502, {"error": "OLLAMA_BASE_URL is not set"})
        url = ollama_root(base) + "/api/tags"
        try:
            status, body = get(url)
        except (OSError, ValueError) as e:
            return self.send_json(502, {"error": f"Ollama at {url} unreachable: {getattr(e, 'reason', e)}"})
        if status != 200:
            return self.send_json(502, {"error": f"Ollama at {url} answered HTTP {status}"})
        try:
            self.send_json(200, json.loads(body))
        except ValueError:
            self.send_json(502, {"error": f"Ollama at {url} answered something that is not JSON"})

    def health(self):
        cfg = config()
        checks = {}
        if cfg["graphDbType"] == "neo4j":
            checks["neo4j"] = tcp_probe(cfg["neo4jUri"] or "bolt://localhost:7687")
            graph = "neo4j"
        else:
            checks["arangodb"] = probe((cfg["arangodbUrl"] or "http://localhost:8529").rstrip("/") + "/_api/version")
            graph = "arangodb"
        llm = None
        if cfg["vllmBaseUrl"]:
            checks["vllm"] = probe(cfg["vllmBaseUrl"].rstrip("/") + "/models")
            llm = "vllm"
        if cfg["ollamaBaseUrl"] and cfg["ollamaModel"] not in (None, "disabled"):
            checks["ollama"] = probe(ollama_root(cfg["ollamaBaseUrl"]) + "/api/version")
            llm = llm or "ollama"
        ok = checks[graph]["ok"] and (llm is None or checks[llm]["ok"])
        self.send_json(200 if ok else 503, {"status": "ok" if ok else "degraded", "graphDb": graph, "llm": llm,
                                            "checks": checks})


class AppServer(standin_server.Server):
    name = "txt2kg"


def main() -> int:
    host, port = os.environ.get("HOSTNAME") or "0.0.0.0", int(os.environ.get("PORT") or 3000)
    try:
        server = AppServer((host, port), AppHandler)
    except OSError as e:
        print(f"txt2kg stand-in: cannot listen on {host}:{port}: {e}", file=sys.stderr)
        return 1
    standin_server.log(f"txt2kg stand-in: {json.dumps(config())}")
    return standin_server.run(server, "txt2kg app stand-in")


if __name__ == "__main__":
    sys.exit(main())
