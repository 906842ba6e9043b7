"""simlab.mirror.build(): signed apt repos checked by a real `apt-get update`.

apt runs against a private state dir (lists, cache, sources) and a thread-local
HTTP server on 127.0.0.1, so the VM's own apt setup is not touched.
"""
from __future__ import annotations

import functools
import hashlib
import http.server
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from simlab import mirror

pytestmark = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("dpkg-deb", "gpg", "gpgconf")),
    reason="needs dpkg-deb and gpg")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("mirror")
    cache = root / "cache"
    old = os.environ.get("SPARKLAB_SIM_CACHE")
    os.environ["SPARKLAB_SIM_CACHE"] = str(cache)
    try:
        t0 = time.monotonic()
        mirror.build(root / "mirror")
        cold = time.monotonic() - t0
        yield root / "mirror", cache, cold
    finally:
        if old is None:
            os.environ.pop("SPARKLAB_SIM_CACHE", None)
        else:
            os.environ["SPARKLAB_SIM_CACHE"] = old


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


def _agents_for(path: Path) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"gpg-agent") and str(path).encode() in b" ".join(args):
            found.append(cmdline.parent.name)
    return found


def test_layout(built):
    dest, cache, _ = built
    for rel in ("keys/lab-archive-keyring.gpg", "keys/lab-archive-keyring.asc", "files/SHA256SUMS",
                "apt/tailscale/dists/bookworm/InRelease", "apt/tailscale/dists/bookworm/Release.gpg",
                "apt/tailscale/dists/noble/InRelease",
                "apt/tailscale/dists/bookworm/main/binary-amd64/Packages.gz",
                f"apt/tailscale/pool/tailscale_{mirror.TAILSCALE_VERSION}_all.deb",
                "apt/tailscale/bookworm.noarmor.gpg", "apt/libnvidia-container/gpgkey",
                "apt/libnvidia-container/stable/deb/nvidia-container-toolkit.list",
                "apt/libnvidia-container/stable/deb/amd64/InRelease",
                "apt/libnvidia-container/stable/deb/arm64/Packages",
                f"files/ollama/v{mirror.OLLAMA_VERSION}/ollama-linux-amd64.tgz",
                f"files/ollama/v{mirror.OLLAMA_VERSION}/ollama-linux-arm64.tgz",
                f"files/ollama/v{mirror.OLLAMA_VERSION}/sha256sum.txt"):
        assert (dest / rel).is_file(), rel
    tarball = (dest / f"files/ollama/v{mirror.OLLAMA_VERSION}/ollama-linux-amd64.tgz").read_bytes()
    assert tarball == mirror.ollama_tarball()
    sums = (dest / "files/SHA256SUMS").read_text()
    assert f"{hashlib.sha256(tarball).hexdigest()}  ollama/v{mirror.OLLAMA_VERSION}/ollama-linux-amd64.tgz" in sums
    assert (dest / "keys/lab-archive-keyring.asc").read_text().startswith(
        "-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert (dest / "keys/lab-archive-keyring.gpg").read_bytes()[:1] != b"-"
    assert "$(ARCH) /" in (dest / "apt/libnvidia-container/stable/deb/nvidia-container-toolkit.list").read_text()
    # every stand-in says what it is, and the repos carry the pinned versions
    for pkg in mirror.PACKAGES:
        repo = mirror.REPOS[pkg["repos"][0]]
        d = dest / "apt" / (repo["path"].format(arch="amd64"))
        deb = next((d / ("pool" if repo["layout"] == "dists" else ".")).glob(f"{pkg['name']}_*.deb"))
        fields = subprocess.run(["dpkg-deb", "-f", deb], capture_output=True, text=True, check=True).stdout
        assert f"Version: {pkg['version']}" in fields
        assert "stand-in for the simulated lab" in fields and "Architecture: all" in fields
    # the signing agent does not outlive build()
    deadline = time.monotonic() + 5
    while _agents_for(cache / "gpg") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _agents_for(cache / "gpg")


def test_deb_contents(built):
    dest = built[0]
    deb = dest / f"apt/tailscale/pool/tailscale_{mirror.TAILSCALE_VERSION}_all.deb"
    listing = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True, check=True).stdout
    for path in ("./usr/sbin/tailscaled", "./usr/bin/tailscale",
                 "./lib/systemd/system/tailscaled.service", "./etc/default/tailscaled"):
        assert path in listing
    assert "-rwxr-xr-x root/root" in next(line for line in listing.splitlines() if "usr/bin/tailscale" in line)
    nv = dest / "apt/libnvidia-container/stable/deb/amd64"
    fields = subprocess.run(["dpkg-deb", "-f", next(nv.glob("nvidia-container-toolkit_*.deb")), "Depends"],
                            capture_output=True, text=True, check=True).stdout
    assert "nvidia-container-toolkit-base (= 1.18.1-1)" in fields
    assert "libnvidia-container-tools (>= 1.18.1-1)" in fields


def test_rebuild_is_noop_and_reacts_to_changes(built, tmp_path):
    dest, _cache, cold = built
    inrelease = dest / "apt/tailscale/dists/bookworm/InRelease"
    before = inrelease.stat().st_mtime_ns
    t0 = time.monotonic()
    mirror.build(dest)
    warm = time.monotonic() - t0
    assert inrelease.stat().st_mtime_ns == before
    assert warm < 1.0 and warm < cold
    # a different base URL changes the .list files -> rebuilt with the same key
    key = (dest / "keys/lab-archive-keyring.gpg").read_bytes()
    mirror.build(dest, base_url="http://mirror.sim:8080")
    assert "http://mirror.sim:8080/apt/tailscale bookworm main" in (
        dest / "apt/tailscale/bookworm.tailscale-keyring.list").read_text()
    assert (dest / "keys/lab-archive-keyring.gpg").read_bytes() == key
    mirror.build(dest)


def test_stamp_follows_every_standin_source(tmp_path, monkeypatch):
    shutil.copytree(mirror.STANDINS, tmp_path / "standins", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(mirror, "STANDINS", tmp_path / "standins")
    before = mirror._inputs_hash("FPR", mirror.MIRROR_URL)
    assert mirror._inputs_hash("FPR", mirror.MIRROR_URL) == before
    for source in ("engines/standin_server.py", "engines/sglang/launch_server.py", "ollama/ollama"):
        path = tmp_path / "standins" / source
        path.write_bytes(path.read_bytes() + b"# changed\n")
        after = mirror._inputs_hash("FPR", mirror.MIRROR_URL)
        assert after != before, source
        before = after


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
    r = _apt(tmp_path, sources, "download", f"tailscale={mirror.TAILSCALE_VERSION}",
             "nvidia-container-toolkit", "nvidia-container-toolkit-base",
             "libnvidia-container-tools", "libnvidia-container1", cwd=dl)
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(p.name.split("_")[0] for p in dl.iterdir()) == sorted(p["name"] for p in mirror.PACKAGES)
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
