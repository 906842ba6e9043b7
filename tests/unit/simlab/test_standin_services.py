"""The Level-3 service stand-ins (simlab/standins/engines/standin_services.py and curl): the commands the
playbooks' compose files run (servers, init containers, healthchecks), run by this interpreter on 127.0.0.1."""
from __future__ import annotations

import json
import subprocess
import sys

from standin_procs import ENGINES, FAST, Running, free_port, link_program

SERVICES = ENGINES / "standin_services.py"
CURL = ENGINES / "curl"


def run(bindir, program, *args, env=None) -> subprocess.CompletedProcess:
    link = link_program(bindir, program, SERVICES)
    return subprocess.run([sys.executable, str(link), *map(str, args)], capture_output=True, text=True, timeout=30,
                          env={**FAST, "PATH": "/usr/bin:/bin", **(env or {})})


def curl(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(CURL), *map(str, args)], capture_output=True, text=True, timeout=30)


def test_arangodb_and_the_init_containers_arangosh(tmp_path):
    port = free_port()
    server = Running([link_program(tmp_path, "arangod", SERVICES), "--server.endpoint", f"tcp://127.0.0.1:{port}",
                      "--database.directory", tmp_path / "db"], port)
    try:
        status, version = server.json("GET", "/_api/version")
        assert status == 200 and version["server"] == "arango"
        js = ('try { db._createDatabase("txt2kg"); console.log("created"); } catch(e) { '
              'if(e.message.includes("duplicate")) { console.log("exists"); } else { throw e; } }')
        argv = ["--server.endpoint", f"tcp://127.0.0.1:{port}", "--server.authentication", "false",
                "--javascript.execute-string", js]
        first, again = run(tmp_path, "arangosh", *argv), run(tmp_path, "arangosh", *argv)
        assert (first.returncode, again.returncode) == (0, 0)
        assert "Database txt2kg created" in first.stdout and "already exists" in again.stdout
        assert "txt2kg" in server.json("GET", "/_api/database")[1]["result"]
        assert json.loads((tmp_path / "db/sparklab-standin-databases.json").read_text()) == ["_system", "txt2kg"]
    finally:
        assert server.stop()[0] == 0
    refused = run(tmp_path, "arangosh", "--server.endpoint", f"tcp://127.0.0.1:{port}")
    assert refused.returncode == 1 and "could not connect" in refused.stderr


def test_postgres_and_pg_isready(tmp_path):
    port = free_port()
    assert run(tmp_path, "pg_isready", "-U", "chatbot_user", "-d", "chatbot", "-p", port).returncode == 2
    no_password = run(tmp_path, "postgres")
    assert no_password.returncode == 1 and "POSTGRES_PASSWORD" in no_password.stderr
    server = Running([link_program(tmp_path, "postgres", SERVICES), "-p", port], port,
                     env={"POSTGRES_PASSWORD": "chatbot_password"})
    try:
        ready = run(tmp_path, "pg_isready", "-U", "chatbot_user", "-d", "chatbot", "-p", port)
        assert ready.returncode == 0 and "accepting connections" in ready.stdout
    finally:
        assert server.stop()[0] == 0


def test_etcd_with_the_compose_command_line_and_etcdctl(tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    assert run(tmp_path, "etcdctl", "--endpoints", f"127.0.0.1:{port}", "endpoint", "health").returncode == 1
    server = Running([link_program(tmp_path, "etcd", SERVICES), f"-advertise-client-urls={url}",
                      "-listen-client-urls", url, "--data-dir", tmp_path / "etcd-data"], port)
    try:
        health = run(tmp_path, "etcdctl", "endpoint", "health", env={"ETCDCTL_ENDPOINTS": f"127.0.0.1:{port}"})
        assert health.returncode == 0 and "is healthy" in health.stdout
        assert (tmp_path / "etcd-data/member").is_dir()
    finally:
        assert server.stop()[0] == 0
    assert run(tmp_path, "etcdctl", "member", "list").returncode == 2


def test_minio_milvus_and_their_healthchecks(tmp_path):
    minio_port, etcd_port = free_port(), free_port()
    minio = Running([link_program(tmp_path, "minio", SERVICES), "server", tmp_path / "minio_data",
                     "--address", f"127.0.0.1:{minio_port}"], minio_port)
    milvus = None
    try:
        assert curl("-f", f"http://127.0.0.1:{minio_port}/minio/health/live").returncode == 0
        assert (tmp_path / "minio_data/.minio.sys").is_dir()
        milvus = Running([link_program(tmp_path, "milvus", SERVICES), "run", "standalone"], 9091,
                         env={"ETCD_ENDPOINTS": f"127.0.0.1:{etcd_port}", "MINIO_ADDRESS": f"127.0.0.1:{minio_port}"})
        assert milvus.request("GET", "/healthz")[0] == 503  # etcd is not there yet
        etcd = Running([link_program(tmp_path, "etcd", SERVICES), "-listen-client-urls",
                        f"http://127.0.0.1:{etcd_port}", "--data-dir", tmp_path / "etcd-data"], etcd_port)
        try:
            for _ in range(50):
                if milvus.request("GET", "/healthz")[0] == 200:
                    break
                subprocess.run(["sleep", "0.1"], check=True)
            assert curl("-f", "http://localhost:9091/healthz").stdout == "OK"
        finally:
            etcd.stop()
    finally:
        minio.stop()
        if milvus:
            assert milvus.stop()[0] == 0


def test_neo4j_http_and_bolt(tmp_path):
    short = run(tmp_path, "neo4j", env={"NEO4J_AUTH": "neo4j/short"})
    assert short.returncode == 1 and "minimum password length" in short.stderr
    server = Running([link_program(tmp_path, "neo4j", SERVICES)], 7474, env={"NEO4J_AUTH": "neo4j/password123"})
    try:
        assert server.json("GET", "/")[1]["neo4j_edition"] == "community"
        assert server.request("HEAD", "/")[0] == 200  # wget --spider
        import socket
        socket.create_connection(("127.0.0.1", 7687), timeout=2).close()
    finally:
        assert server.stop()[0] == 0


def test_curl_flags_and_exit_codes(tmp_path):
    port = free_port()
    server = Running([link_program(tmp_path, "minio", SERVICES), "server", tmp_path / "d",
                      "--address", f"127.0.0.1:{port}"], port)
    try:
        head = curl("-f", "-s", "-I", f"http://localhost:{port}/minio/health/live")
        assert head.returncode == 0 and head.stdout.startswith("HTTP/1.1 200")
        missing = curl("-fsS", f"http://127.0.0.1:{port}/nope")
        assert missing.returncode == 22 and "404" in missing.stderr
        assert curl(f"http://127.0.0.1:{port}/nope").returncode == 0  # without -f an HTTP error is not a failure
        out = tmp_path / "body"
        assert curl("-s", "-o", out, "-w", "%{http_code}", f"http://127.0.0.1:{port}/nope").stdout == "404"
        assert b"Not Found" in out.read_bytes()
    finally:
        server.stop()
    assert curl("-fs", f"http://127.0.0.1:{port}/").returncode == 7
    assert curl("-f", "http://no-such-host.invalid/").returncode == 6
    assert curl("--no-such-flag", "http://x/").returncode == 2
