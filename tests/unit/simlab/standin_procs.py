"""Stand-in programs run by this interpreter on 127.0.0.1, for the stand-in tests."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from simlab.mirror import catalog

ENGINES = catalog.STANDINS / "engines"
# Short timings; PYTHONPATH finds standin_server / the sglang package as the image's .pth file does.
FAST = {"STANDIN_PREFILL_TPS": "1000000", "STANDIN_DECODE_TPS": "1000", "PYTHONPATH": str(ENGINES),
        "PYTHONDONTWRITEBYTECODE": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def link_program(bindir: Path, program: str, target: Path = ENGINES / "standin_engines.py") -> Path:
    """``bindir/program`` -> ``target``, as /usr/local/bin/<program> links in the images."""
    link = bindir / program
    if not link.is_symlink():
        link.symlink_to(target)
    return link


class Running:
    """A stand-in process, started and waited for until its port accepts connections. ``argv`` is run
    by this interpreter (environment: ours, FAST, ``env``), or as it is with ``env`` alone when
    ``python`` is False (a chroot of an image)."""

    def __init__(self, argv: list, port: int, env: dict | None = None, python: bool = True):
        self.port = port
        if python:
            argv, env = [sys.executable, *argv], {**os.environ, **FAST, **(env or {})}
        self.proc = subprocess.Popen(list(map(str, argv)), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise AssertionError(f"stand-in exited: {self.proc.stderr.read()}") from None
                if time.monotonic() > deadline:
                    self.proc.kill()
                    raise AssertionError("stand-in did not start") from None
                time.sleep(0.05)

    def request(self, method: str, path: str, body=None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            data = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
            conn.request(method, path, body=data)
            r = conn.getresponse()
            return r.status, dict(r.headers), r.read()
        finally:
            conn.close()

    def json(self, method: str, path: str, body=None) -> tuple[int, dict]:
        status, _, data = self.request(method, path, body)
        return status, json.loads(data)

    def stop(self) -> tuple[int, str]:
        """SIGTERM (docker stop); the exit status and what it logged."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        return rc, self.proc.stderr.read()


def sse(data: bytes) -> list[dict]:
    """The JSON events of a server-sent event stream that ends with ``data: [DONE]``."""
    events = [e for e in data.decode().split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events), events
    assert events[-1] == "data: [DONE]"
    return [json.loads(e[6:]) for e in events[:-1]]
