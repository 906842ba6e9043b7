"""simlab.mirror.signed_repos: the built mirror's signed apt repos checked by a real `apt-get update`.

apt runs against a private state dir (lists, cache, sources) and a thread-local
HTTP server on 127.0.0.1, so the VM's own apt setup is not touched.
"""
from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from simlab.mirror.catalog import PACKAGES, TAILSCALE_VERSION


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(built):
    dest = built[0]
    srv = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(dest)))
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _apt(tmp: Path, sources: str, *args, cwd=None):
    (tmp / "lists/partial").mkdir(parents=True, exist_ok=True)
    (tmp / "cache/archives/partial").mkdir(parents=True, exist_ok=True)
    src = tmp / ("x.sources" if "Types:" in sources else "x.list")
    src.write_text(sources)
    opts = ["-o", f"Dir::Etc::SourceList={src}", "-o", "Dir::Etc::SourceParts=/dev/null",
            "-o", f"Dir::State::Lists={tmp / 'lists'}", "-o", f"Dir::Cache={tmp / 'cache'}",
            "-o", "APT::Sandbox::User=root", "-o", "Acquire::http::Proxy=DIRECT",
            "-o", "Debug::NoLocking=1", "-o", "APT::Architecture=amd64", "-q"]
    return subprocess.run(["apt-get", *opts, *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, check=False)


@pytest.mark.skipif(not shutil.which("apt-get"), reason="needs apt-get")
@pytest.mark.parametrize("form", ["deb822", "one-line"])
def test_apt_update_and_download(built, served, tmp_path, form):
    dest = built[0]
    keyring = tmp_path / "lab.gpg"
    shutil.copy(dest / "keys/lab-archive-keyring.gpg", keyring)
    armored = tmp_path / "lab.asc"
    shutil.copy(dest / "keys/lab-archive-keyring.asc", armored)
    if form == "deb822":
        sources = (f"Types: deb\nURIs: {served}/apt/tailscale\nSuites: bookworm\nComponents: main\n"
                   f"Signed-By: {keyring}\n\n"
                   f"Types: deb\nURIs: {served}/apt/libnvidia-container/stable/deb/amd64/\n"
                   f"Suites: /\nSigned-By: {armored}\n")
    else:
        sources = (f"deb [signed-by={keyring}] {served}/apt/tailscale noble main\n"
                   f"deb [signed-by={armored}] {served}/apt/libnvidia-container/stable/deb/$(ARCH) /\n")
    r = _apt(tmp_path, sources, "update")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "W:" not in r.stderr and "E:" not in r.stderr, r.stderr
    dl = tmp_path / "dl"
    dl.mkdir()
    r = _apt(tmp_path, sources, "download", f"tailscale={TAILSCALE_VERSION}",
             "nvidia-container-toolkit", "nvidia-container-toolkit-base",
             "libnvidia-container-tools", "libnvidia-container1", cwd=dl)
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(p.name.split("_")[0] for p in dl.iterdir()) == sorted(p["name"] for p in PACKAGES)
    # dependency resolution across the four toolkit packages (simulated install)
    r = _apt(tmp_path, sources, "install", "-s", "nvidia-container-toolkit")
    assert r.returncode == 0, r.stdout + r.stderr
    for name in ("nvidia-container-toolkit-base", "libnvidia-container-tools", "libnvidia-container1"):
        assert f"Inst {name} (1.18.1-1 " in r.stdout


@pytest.mark.skipif(not shutil.which("apt-get"), reason="needs apt-get")
def test_apt_rejects_wrong_key(built, served, tmp_path):
    other = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
    if not other.exists():
        pytest.skip("no other keyring to test with")
    sources = f"deb [signed-by={other}] {served}/apt/tailscale bookworm main\n"
    r = _apt(tmp_path, sources, "update")
    assert "NO_PUBKEY" in r.stdout + r.stderr or "not signed" in r.stdout + r.stderr
