#!/usr/bin/python3
"""Multi-agent chatbot backend stand-in (LAB FIXTURE for sparklab's simulated lab: no agents, no models).

Port 8000 (compose service ``backend``):

    GET /health                 {"status": "healthy"}
    GET /available_models       {"models": $MODELS split on ","}
    GET /health/dependencies    the supervisor model (http://<first of $MODELS>:8000/health), Postgres
                                ($POSTGRES_HOST:5432) and Milvus (host of $MILVUS_ADDRESS, :9091/healthz); 200 when
                                all answer, else 503
"""
from __future__ import annotations

import os
import socket
import sys
import urllib.error
import urllib.request
from typing import ClassVar

import standin_server
import standin_web

TIMEOUT = 5


def models() -> list[str]:
    return [m.strip() for m in os.environ.get("MODELS", "").split(",") if m.strip()]


def http_check(url: str) -> dict:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
            return {"url": url, "ok": r.status == 200, "status": r.status}
    except urllib.error.HTTPError as e:
        return {"url": url, "ok": False, "status": e.code}
    except (OSError, ValueError) as e:
        return {"url": url, "ok": False, "error": str(getattr(e, "reason", e))}


def tcp_check(host: str, port: int) -> dict:
    try:
        socket.create_connection((host, port), timeout=TIMEOUT).close()
    except OSError as e:
        return {"address": f"{host}:{port}", "ok": False, "error": str(e)}
    return {"address": f"{host}:{port}", "ok": True}


class BackendHandler(standin_web.Handler):
    ROUTES: ClassVar[standin_server.Routes] = {
        ("GET", "/health"): "health", ("GET", "/available_models"): "available_models",
        ("GET", "/health/dependencies"): "dependencies",
    }

    def health(self):
        self.send_json(200, {"status": "healthy"})

    def available_models(self):
        self.send_json(200, {"models": models()})

    def dependencies(self):
        supervisor = (models() or ["gpt-oss-120b"])[0]
        milvus_host = os.environ.get("MILVUS_ADDRESS", "milvus:19530").rsplit(":", 1)[0]
        checks = {
            "supervisor": {"model": supervisor, **http_check(f"http://{supervisor}:8000/health")},
            "postgres": tcp_check(os.environ.get("POSTGRES_HOST", "postgres"), 5432),
            "milvus": http_check(f"http://{milvus_host}:9091/healthz"),
        }
        ok = all(c["ok"] for c in checks.values())
        self.send_json(200 if ok else 503, {"status": "ok" if ok else "degraded", "checks": checks})


class BackendServer(standin_server.Server):
    name = "chatbot-backend"


def main() -> int:
    server = BackendServer(("0.0.0.0", int(os.environ.get("PORT") or 8000)), BackendHandler)
    standin_server.log(f"chatbot backend stand-in: models {models()}")
    return standin_server.run(server, "multi-agent chatbot backend stand-in")


if __name__ == "__main__":
    sys.exit(main())
