"""HTTP handler of the Level-3 stand-in services and apps (LAB FIXTURE): ``standin_server.Handler`` that also
answers HEAD (``curl -I``, ``wget --spider``) with the GET route's status and headers, no body."""
from __future__ import annotations

import standin_server


class Handler(standin_server.Handler):
    def do_HEAD(self):
        self._dispatch("GET")

    def send_bytes(self, status: int, data: bytes, content_type: str) -> None:
        if self.command != "HEAD":
            return super().send_bytes(status, data, content_type)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
