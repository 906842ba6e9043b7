#!/usr/bin/python3
"""sentence-transformers service stand-in (LAB FIXTURE for sparklab's simulated lab: no model).

Port $PORT (80): GET /health; POST /embed and /embeddings with {"texts": [...]} or {"text": "..."} ->
{"embeddings": [[384 floats], ...], "model": $MODEL_NAME}; the vectors are derived from the text's sha256.
"""
from __future__ import annotations

import hashlib
import os
import sys
from typing import ClassVar

import standin_server
import standin_web

DIMENSIONS = 384


def vector(text: str) -> list[float]:
    digest = b""
    counter = 0
    while len(digest) < DIMENSIONS:
        digest += hashlib.sha256(f"{counter}:{text}".encode()).digest()
        counter += 1
    return [round(b / 127.5 - 1.0, 4) for b in digest[:DIMENSIONS]]


class EmbedHandler(standin_web.Handler):
    ROUTES: ClassVar[standin_server.Routes] = {("GET", "/health"): "health", ("POST", "/embed"): "embed",
                                               ("POST", "/embeddings"): "embed"}

    def health(self):
        self.send_json(200, {"status": "healthy", "model": os.environ.get("MODEL_NAME", "all-MiniLM-L6-v2")})

    def embed(self):
        body = self.json_body()
        texts = body.get("texts") if "texts" in body else [body.get("text", "")]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise standin_server.BadRequest("texts must be a list of strings")
        self.send_json(200, {"embeddings": [vector(t) for t in texts], "dimensions": DIMENSIONS,
                             "model": os.environ.get("MODEL_NAME", "all-MiniLM-L6-v2")})


class EmbedServer(standin_server.Server):
    name = "sentence-transformers"


def main() -> int:
    server = EmbedServer(("0.0.0.0", int(os.environ.get("PORT") or 80)), EmbedHandler)
    return standin_server.run(server, "sentence-transformers stand-in")


if __name__ == "__main__":
    sys.exit(main())
