"""HTTP to the engines with the standard library, every wait bounded.

``http.client`` rather than ``urllib``: no proxy from the environment between the operator and a lab host, and
the socket's timeout can follow one deadline for the whole request (a stream that trickles keep-alives for
ever still ends at the deadline).
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any, Self
from urllib.parse import urlsplit

MAX_LINE = 1 << 20  # bytes read for one line at most
MAX_BODY = 4 << 20  # bytes of a non-streamed answer at most
ERROR_BODY = 500  # characters of an error answer quoted in the message


class Unreachable(Exception):
    """Nothing answered: connection refused, no route, timeout before the answer's status line."""


class HttpError(Exception):
    """The engine answered with an error status."""

    def __init__(self, status: int, reason: str, body: str):
        detail = body.strip().replace("\n", " ")[:ERROR_BODY]
        super().__init__(f"HTTP {status} {reason}" + (f": {detail}" if detail else ""))
        self.status = status


class Deadline(Exception):
    """The answer did not end in time."""


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url}")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = parts.path or "/"
    return kind(parts.hostname, parts.port, timeout=timeout), path + (f"?{parts.query}" if parts.query else "")


def _open(url: str, method: str, body: Any, timeout: float, accept: str):
    """Connect, send, read the status line; returns (connection, socket, response)."""
    conn, path = _connection(url, timeout)
    headers = {"Accept": accept}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.connect()
        sock = conn.sock  # kept: the connection forgets it once the response says "close"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
    except (OSError, http.client.HTTPException) as error:
        conn.close()
        raise Unreachable(f"{url}: {_describe(error)}") from None
    if response.status >= 400:
        try:
            text = response.read(ERROR_BODY * 4).decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException):
            text = ""
        conn.close()
        raise HttpError(response.status, response.reason, text)
    return conn, sock, response


def _describe(error: BaseException) -> str:
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return str(error) or type(error).__name__


def get_json(url: str, timeout: float) -> Any:
    """GET a JSON document; Unreachable, HttpError, or ValueError when the answer is not JSON."""
    conn, _, response = _open(url, "GET", None, timeout, "application/json")
    try:
        body = response.read(MAX_BODY + 1)
    except (OSError, http.client.HTTPException) as error:
        raise Unreachable(f"{url}: {_describe(error)}") from None
    finally:
        conn.close()
    if len(body) > MAX_BODY:
        raise ValueError(f"{url}: answer larger than {MAX_BODY} bytes")
    try:
        return json.loads(body)
    except ValueError:
        raise ValueError(f"{url}: answer is not JSON: {body[:100]!r}") from None


class Stream:
    """A POST whose answer is read line by line: ``with Stream(url, body, timeout) as s: for t, line in s: ...``.

    ``sent`` is ``clock()`` just before connecting. Opening raises Unreachable or HttpError; iterating yields
    ``(clock() when the line arrived, line)`` and raises Deadline once the whole answer has taken ``timeout``.
    """

    def __init__(self, url: str, body: dict, timeout: float, clock: Callable[[], float] = time.perf_counter):
        self.url, self.timeout, self._clock = url, timeout, clock
        self.sent = clock()
        self._deadline = self.sent + timeout
        self._conn, self._sock, self._response = _open(url, "POST", body, timeout,
                                                       "text/event-stream, application/x-ndjson")

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()
        self._response.close()

    def __iter__(self) -> Iterator[tuple[float, bytes]]:
        while True:  # bounded: every pass reads at least one byte or ends; the deadline ends a trickle
            left = self._deadline - self._clock()
            if left <= 0:
                raise Deadline(f"the answer did not end within {self.timeout:g} s")
            if self._sock is not None:
                self._sock.settimeout(left)
            try:
                line = self._response.readline(MAX_LINE)
            except (OSError, http.client.HTTPException) as error:
                if isinstance(error, socket.timeout | TimeoutError):
                    raise Deadline(f"the answer did not end within {self.timeout:g} s") from None
                raise Unreachable(f"{self.url}: the answer broke off: {_describe(error)}") from None
            if not line:
                return
            yield self._clock(), line
