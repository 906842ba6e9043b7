#!/usr/bin/python3
"""Programs of the stand-in service images of Level 3, with the real ones' command lines (LAB FIXTURE: no
database, no storage engine; they listen where the real ones do and answer the checks compose runs).

The image's links (catalog.IMAGE_LAYERS) pick the program by the name it is run as:

    arangod                          ArangoDB on 0.0.0.0:8529: GET /_api/version, GET/POST /_api/database
    arangosh --server.endpoint tcp://H:P [--javascript.execute-string JS]
                                     connects (GET /_api/version); creates the databases JS names in
                                     db._createDatabase("x"); exit 1 when the server does not answer
    postgres                         Postgres on 0.0.0.0:5432 (accepts and closes); needs $POSTGRES_PASSWORD
    pg_isready [-h H] [-p P] [-U U] [-d D]   exit 0 when H:P accepts (default localhost:5432), else 2
    etcd [-listen-client-urls URLS] [--data-dir D]   GET /health, /version on the first URL (localhost:2379)
    etcdctl [--endpoints E] endpoint health          exit 0 when E/health says healthy, else 1
    minio server DIR [--address :9000]   GET /minio/health/live, /minio/health/ready
    milvus run standalone            19530 (gRPC port: accepts) and 9091: GET /healthz "OK" once $ETCD_ENDPOINTS
                                     and $MINIO_ADDRESS answered (503 before)
    neo4j [console]                  HTTP on 7474 (GET / discovery JSON), Bolt port 7687 (accepts)

Flags the stand-ins do not use are ignored (``--flag=value``, ``--flag value``, ``-flag value``).
"""
from __future__ import annotations

import json
import os
import re
import socket
import socketserver
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import ClassVar

import standin_server
import standin_web
from standin_engines import UsageError, options

TIMEOUT = 5


def _http(url: str, method: str = "GET", body: dict | None = None) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class TcpListener(socketserver.ThreadingTCPServer):
    """A port that accepts connections and closes them (Postgres, Bolt, gRPC stand-ins)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address):
        super().__init__(address, socketserver.BaseRequestHandler)


def _serve_tcp(port: int) -> None:
    server = TcpListener(("0.0.0.0", port))
    threading.Thread(target=server.serve_forever, daemon=True).start()


def _forever(banner: str) -> int:
    """Sleep until SIGTERM (a service that is only TCP ports)."""
    server = standin_server.Server(("127.0.0.1", 0), standin_server.Handler)  # for run()'s signal handling
    server.name = banner.split()[0]
    return standin_server.run(server, banner)


# ArangoDB -----------------------------------------------------------------------------------------------

class ArangoHandler(standin_web.Handler):
    ROUTES: ClassVar[standin_server.Routes] = {
        ("GET", "/_api/version"): "version", ("GET", "/_api/database"): "databases",
        ("POST", "/_api/database"): "create", ("GET", "/"): "index",
    }

    def version(self):
        self.send_json(200, {"server": "arango", "license": "community", "version": "3.12.0-standin"})

    def index(self):
        self.send_bytes(200, b"<!doctype html><title>ArangoDB (stand-in)</title><p>LAB FIXTURE</p>\n",
                        "text/html; charset=utf-8")

    def databases(self):
        self.send_json(200, {"error": False, "code": 200, "result": sorted(self.server.databases)})

    def create(self):
        name = self.json_body().get("name")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", name):
            return self.send_json(400, {"error": True, "code": 400, "errorNum": 1229,
                                        "errorMessage": "database name invalid"})
        with self.server.lock:
            if name in self.server.databases:
                return self.send_json(409, {"error": True, "code": 409, "errorNum": 1207,
                                            "errorMessage": "duplicate database name"})
            self.server.databases.add(name)
            self.server.save()
        self.send_json(201, {"error": False, "code": 201, "result": True})


class ArangoServer(standin_server.Server):
    name = "arangod"

    def __init__(self, address, data_dir: Path):
        self.lock = threading.Lock()
        self.state = data_dir / "sparklab-standin-databases.json"
        try:
            self.databases = set(json.loads(self.state.read_text()))
        except (OSError, ValueError):
            self.databases = {"_system"}
        super().__init__(address, ArangoHandler)

    def save(self):
        try:
            self.state.parent.mkdir(parents=True, exist_ok=True)
            self.state.write_text(json.dumps(sorted(self.databases)) + "\n")
        except OSError:
            pass


def arangod(argv: list[str]) -> int:
    opts, _ = options(argv, {"--server.endpoint": "endpoint", "--database.directory": "dir"})
    host, port = "0.0.0.0", 8529
    if "endpoint" in opts:
        host, _, p = opts["endpoint"].split("://")[-1].rpartition(":")
        host, port = host or "0.0.0.0", int(p)
    server = ArangoServer((host, port), Path(opts.get("dir", "/var/lib/arangodb3")))
    return standin_server.run(server, "ArangoDB stand-in")


def arangosh(argv: list[str]) -> int:
    opts, _ = options(argv, {"--server.endpoint": "endpoint", "--javascript.execute-string": "js"})
    endpoint = opts.get("endpoint", "tcp://127.0.0.1:8529")
    base = "http://" + endpoint.split("://", 1)[-1]
    try:
        _http(base + "/_api/version")
    except (OSError, ValueError) as e:
        print(f"arangosh: could not connect to endpoint '{endpoint}': {getattr(e, 'reason', e)}", file=sys.stderr)
        return 1
    print(f"arangosh stand-in: connected to {endpoint}")
    for name in re.findall(r"""db\._createDatabase\(\s*["']([^"']+)["']""", opts.get("js", "")):
        status, body = _http(base + "/_api/database", "POST", {"name": name})
        if status == 201:
            print(f"Database {name} created")
        elif status == 409:
            print(f"Database {name} already exists (duplicate name)")  # the playbook's JS catches this
        else:
            print(f"arangosh: creating database {name}: HTTP {status} {body[:200]!r}", file=sys.stderr)
            return 1
    return 0


# Postgres -----------------------------------------------------------------------------------------------

def postgres(argv: list[str]) -> int:
    if not os.environ.get("POSTGRES_PASSWORD") and os.environ.get("POSTGRES_HOST_AUTH_METHOD") != "trust":
        print("Error: Database is uninitialized and superuser password is not specified.\n"
              "       You must specify POSTGRES_PASSWORD to a non-empty value for the superuser.", file=sys.stderr)
        return 1
    opts, _ = options(argv, {"-p": "port", "--port": "port"})
    _serve_tcp(int(opts.get("port", 5432)))
    return _forever("postgres stand-in (port 5432 accepts connections; no SQL)")


def pg_isready(argv: list[str]) -> int:
    opts, _ = options(argv, {"-h": "host", "--host": "host", "-p": "port", "--port": "port",
                             "-U": "user", "-d": "db", "-t": "timeout"})
    host, port = opts.get("host", "localhost"), int(opts.get("port", 5432))
    shown = "/var/run/postgresql" if "host" not in opts else host
    try:
        socket.create_connection((host, port), timeout=float(opts.get("timeout", 3))).close()
    except OSError:
        print(f"{shown}:{port} - no response")
        return 2
    print(f"{shown}:{port} - accepting connections")
    return 0


# etcd ---------------------------------------------------------------------------------------------------

class EtcdHandler(standin_web.Handler):
    ROUTES: ClassVar[standin_server.Routes] = {("GET", "/health"): "health", ("GET", "/version"): "version",
                                               ("GET", "/readyz"): "health", ("GET", "/livez"): "health"}

    def health(self):
        self.send_json(200, {"health": "true", "reason": ""})

    def version(self):
        self.send_json(200, {"etcdserver": "3.5.5", "etcdcluster": "3.5.0"})


def etcd(argv: list[str]) -> int:
    opts, _ = options(argv, {"-listen-client-urls": "listen", "--listen-client-urls": "listen",
                             "-data-dir": "data", "--data-dir": "data"})
    url = (opts.get("listen") or os.environ.get("ETCD_LISTEN_CLIENT_URLS") or "http://localhost:2379").split(",")[0]
    host, _, port = url.split("://", 1)[-1].rstrip("/").rpartition(":")
    data = Path(opts.get("data") or os.environ.get("ETCD_DATA_DIR") or "default.etcd")
    try:
        (data / "member").mkdir(parents=True, exist_ok=True)
        (data / "member" / "sparklab-standin").write_text("LAB FIXTURE: etcd stand-in, no data\n")
    except OSError as e:
        print(f"etcd: cannot use data dir {data}: {e}", file=sys.stderr)
        return 1
    server = standin_server.Server((host or "0.0.0.0", int(port)), EtcdHandler)
    server.name = "etcd"
    return standin_server.run(server, "etcd stand-in")


def etcdctl(argv: list[str]) -> int:
    opts, pos = options(argv, {"--endpoints": "endpoints"})
    if pos[:2] != ["endpoint", "health"]:
        raise UsageError("the stand-in knows `etcdctl [--endpoints E] endpoint health` only")
    endpoint = (opts.get("endpoints") or os.environ.get("ETCDCTL_ENDPOINTS") or "127.0.0.1:2379").split(",")[0]
    url = endpoint if "://" in endpoint else f"http://{endpoint}"
    t0 = time.monotonic()
    try:
        status, body = _http(url.rstrip("/") + "/health")
        healthy = status == 200 and json.loads(body).get("health") == "true"
    except (OSError, ValueError) as e:
        print(f"{endpoint} is unhealthy: failed to commit proposal: {getattr(e, 'reason', e)}", file=sys.stderr)
        return 1
    took = (time.monotonic() - t0) * 1000
    if not healthy:
        print(f"{endpoint} is unhealthy: HTTP {status}", file=sys.stderr)
        return 1
    print(f"{endpoint} is healthy: successfully committed proposal: took = {took:.3f}ms")
    return 0


# MinIO --------------------------------------------------------------------------------------------------

class MinioHandler(standin_web.Handler):
    ROUTES: ClassVar[standin_server.Routes] = {("GET", f"/minio/health/{what}"): "ok"
                                               for what in ("live", "ready", "cluster")}

    def ok(self):
        self.send_bytes(200, b"", "text/plain")


def minio(argv: list[str]) -> int:
    opts, pos = options(argv, {"--address": "address", "--console-address": "console"})
    if pos[:1] != ["server"] or len(pos) < 2:
        raise UsageError("usage: minio server DIR... [--address :9000]")
    for d in pos[1:]:
        try:
            (Path(d) / ".minio.sys").mkdir(parents=True, exist_ok=True)
        except OSError as e:
            print(f"minio: cannot use {d}: {e}", file=sys.stderr)
            return 1
    host, _, port = opts.get("address", ":9000").rpartition(":")
    server = standin_server.Server((host or "0.0.0.0", int(port)), MinioHandler)
    server.name = "minio"
    return standin_server.run(server, f"MinIO stand-in serving {' '.join(pos[1:])}")


# Milvus -------------------------------------------------------------------------------------------------

class MilvusHandler(standin_web.Handler):
    ROUTES: ClassVar[standin_server.Routes] = {("GET", "/healthz"): "healthz", ("GET", "/api/v1/health"): "healthz"}

    def healthz(self):
        if self.server.ready.is_set():
            self.send_bytes(200, b"OK", "text/plain")
        else:
            self.send_bytes(503, f"waiting for {self.server.waiting}".encode(), "text/plain")


class MilvusServer(standin_server.Server):
    name = "milvus"

    def __init__(self, address):
        self.ready = threading.Event()
        self.waiting = "etcd and minio"
        super().__init__(address, MilvusHandler)


def _wait_for_dependencies(server: MilvusServer) -> None:
    etcd_url = "http://" + os.environ.get("ETCD_ENDPOINTS", "localhost:2379").split(",")[0] + "/health"
    minio_url = "http://" + os.environ.get("MINIO_ADDRESS", "localhost:9000") + "/minio/health/live"
    pending = [etcd_url, minio_url]
    while pending:
        for url in list(pending):
            try:
                if _http(url)[0] == 200:
                    pending.remove(url)
                    standin_server.log(f"milvus: {url} answers")
            except (OSError, ValueError):
                pass
        server.waiting = ", ".join(pending)
        if pending:
            time.sleep(1)
    server.ready.set()


def milvus(argv: list[str]) -> int:
    if argv[:2] != ["run", "standalone"]:
        raise UsageError("usage: milvus run standalone")
    _serve_tcp(19530)
    server = MilvusServer(("0.0.0.0", 9091))
    threading.Thread(target=_wait_for_dependencies, args=(server,), daemon=True).start()
    return standin_server.run(server, "Milvus standalone stand-in (19530 accepts; 9091 /healthz)")


# Neo4j --------------------------------------------------------------------------------------------------

class Neo4jHandler(standin_web.Handler):
    ROUTES: ClassVar[standin_server.Routes] = {("GET", "/"): "discovery"}

    def discovery(self):
        self.send_json(200, {"bolt_routing": "neo4j://localhost:7687", "bolt_direct": "bolt://localhost:7687",
                             "neo4j_version": "5.26.0-standin", "neo4j_edition": "community"})


def neo4j(argv: list[str]) -> int:
    if argv[:1] not in ([], ["neo4j"], ["console"]):
        raise UsageError("usage: neo4j [console]")
    auth = os.environ.get("NEO4J_AUTH", "")
    if auth and auth != "none" and len(auth.partition("/")[2]) < 8:
        print("Invalid value for password. The minimum password length is 8 characters.", file=sys.stderr)
        return 1
    _serve_tcp(7687)
    server = standin_server.Server(("0.0.0.0", 7474), Neo4jHandler)
    server.name = "neo4j"
    return standin_server.run(server, "Neo4j stand-in (7474 HTTP, 7687 Bolt accepts)")


PROGRAMS = {
    "arangod": arangod, "arangosh": arangosh,
    "postgres": postgres, "pg_isready": pg_isready,
    "etcd": etcd, "etcdctl": etcdctl,
    "minio": minio, "milvus": milvus, "neo4j": neo4j,
}


def main(program: str, argv: list[str]) -> int:
    if program not in PROGRAMS:
        print(f"{program}: run this as one of: {', '.join(PROGRAMS)}", file=sys.stderr)
        return 2
    try:
        return PROGRAMS[program](argv)
    except UsageError as e:
        print(f"{program}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(os.path.basename(sys.argv[0]), sys.argv[1:]))
