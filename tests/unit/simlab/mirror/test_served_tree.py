"""simlab.mirror.served_tree.build(): the layout it writes, a second build a no-op, and the stamp that
follows every stand-in source."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from pathlib import Path

from simlab.mirror import catalog, git_repos, served_tree
from simlab.mirror.catalog import OLLAMA_VERSION
from simlab.mirror.http_files import ollama_tarball


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
                f"apt/tailscale/pool/tailscale_{catalog.TAILSCALE_VERSION}_all.deb",
                "apt/tailscale/bookworm.noarmor.gpg", "apt/libnvidia-container/gpgkey",
                "apt/libnvidia-container/stable/deb/nvidia-container-toolkit.list",
                "apt/libnvidia-container/stable/deb/amd64/InRelease",
                "apt/libnvidia-container/stable/deb/arm64/Packages",
                f"files/ollama/v{OLLAMA_VERSION}/ollama-linux-amd64.tgz",
                f"files/ollama/v{OLLAMA_VERSION}/ollama-linux-arm64.tgz",
                f"files/ollama/v{OLLAMA_VERSION}/sha256sum.txt"):
        assert (dest / rel).is_file(), rel
    tarball = (dest / f"files/ollama/v{OLLAMA_VERSION}/ollama-linux-amd64.tgz").read_bytes()
    assert tarball == ollama_tarball()
    sums = (dest / "files/SHA256SUMS").read_text()
    assert f"{hashlib.sha256(tarball).hexdigest()}  ollama/v{OLLAMA_VERSION}/ollama-linux-amd64.tgz" in sums
    assert (dest / "keys/lab-archive-keyring.asc").read_text().startswith(
        "-----BEGIN PGP PUBLIC KEY BLOCK-----")
    assert (dest / "keys/lab-archive-keyring.gpg").read_bytes()[:1] != b"-"
    assert "$(ARCH) /" in (dest / "apt/libnvidia-container/stable/deb/nvidia-container-toolkit.list").read_text()
    # every stand-in says what it is, and the repos carry the pinned versions
    for pkg in catalog.PACKAGES:
        repo = catalog.REPOS[pkg["repos"][0]]
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


def test_rebuild_is_noop_and_reacts_to_changes(built, monkeypatch):
    dest, cache, cold = built
    monkeypatch.setenv("SPARKLAB_SIM_CACHE", str(cache))  # the same key and wheelhouse as the first build
    inrelease = dest / "apt/tailscale/dists/bookworm/InRelease"
    before = inrelease.stat().st_mtime_ns
    t0 = time.monotonic()
    served_tree.build(dest)
    warm = time.monotonic() - t0
    assert inrelease.stat().st_mtime_ns == before
    assert warm < 1.0 and warm < cold
    # a different base URL changes the .list files -> rebuilt with the same key
    key = (dest / "keys/lab-archive-keyring.gpg").read_bytes()
    served_tree.build(dest, base_url="http://mirror.sim:8080")
    assert "http://mirror.sim:8080/apt/tailscale bookworm main" in (
        dest / "apt/tailscale/bookworm.tailscale-keyring.list").read_text()
    assert (dest / "keys/lab-archive-keyring.gpg").read_bytes() == key
    served_tree.build(dest)


def test_stamp_follows_every_standin_source(tmp_path, monkeypatch):
    shutil.copytree(catalog.STANDINS, tmp_path / "standins", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(catalog, "STANDINS", tmp_path / "standins")
    before = served_tree._inputs_hash("FPR", catalog.MIRROR_URL)
    assert served_tree._inputs_hash("FPR", catalog.MIRROR_URL) == before
    for source in ("engines/standin_server.py", "engines/sglang/launch_server.py", "ollama/ollama"):
        path = tmp_path / "standins" / source
        path.write_bytes(path.read_bytes() + b"# changed\n")
        after = served_tree._inputs_hash("FPR", catalog.MIRROR_URL)
        assert after != before, source
        before = after


def test_llama_factorys_own_wheelhouse_beside_the_main_one(built):
    """files/wheels-llama-factory/: LLaMA Factory's own resolution (the torch 2.11 trio, its build backend); the
    main wheelhouse keeps its one resolution (CPU torch 2.13)."""
    files = built[0] / "files"
    own = {p.name.split("-")[0].lower(): p.name for p in (files / "wheels-llama-factory").glob("*.whl")}
    assert own["llamafactory"].startswith(f"llamafactory-{catalog.LLAMA_FACTORY_VERSION}-")
    for pin in catalog.LLAMA_FACTORY_TORCH:
        name, version = pin.split("==")
        assert own[name].startswith(f"{name}-{version}-cp311-"), own[name]
    assert "hatchling" in own and "gradio" in own
    main = [p.name for p in (files / "wheels").glob("torch-*.whl")]
    assert main and all(n.startswith("torch-2.13.0") for n in main), main


def test_level3_layout_debian_compose_git_and_models(built):
    """The Compose plugin's repo carries Debian's .deb unchanged (amd64 index only), the key at key.asc, the
    stand-in git repos ready for dumb HTTP, and the GGUF model stand-ins at Hugging Face's paths."""
    dest = built[0]
    compose = catalog.UPSTREAM_DEBS["docker-compose"]
    repo = dest / "apt/debian-compose"
    deb = repo / "pool" / compose["url"].rsplit("/", 1)[1]
    assert hashlib.sha256(deb.read_bytes()).hexdigest() == compose["sha256"]
    amd64 = (repo / "dists/bookworm/main/binary-amd64/Packages").read_text()
    assert f"Package: docker-compose\nVersion: {catalog.DOCKER_COMPOSE_VERSION}\nArchitecture: amd64\n" in amd64
    assert f"Filename: pool/{deb.name}\n" in amd64 and f"SHA256: {compose['sha256']}\n" in amd64
    assert (repo / "dists/bookworm/main/binary-arm64/Packages").read_text() == ""
    assert (repo / "key.asc").read_bytes() == (dest / "keys/lab-archive-keyring.asc").read_bytes()
    assert (repo / "dists/bookworm/InRelease").read_text().startswith("-----BEGIN PGP SIGNED MESSAGE-----")
    for name in catalog.GIT_REPOS:
        bare = dest / "git" / f"{name}.git"
        assert (bare / "HEAD").read_text() == f"ref: refs/heads/{catalog.GIT_REPOS[name]['branch']}\n"
        assert (bare / "info/refs").read_text().startswith(git_repos.commit_sha(name))
        assert (bare / "objects/info/packs").read_text().startswith("P pack-")
    sums = (dest / "files/SHA256SUMS").read_text()
    for rel, sha in catalog.GGUF_FILES.items():
        assert (dest / "files" / rel).read_bytes()[:4] == b"GGUF"
        assert f"{sha}  {rel}\n" in sums
