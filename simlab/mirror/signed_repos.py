"""Signed apt repositories (``catalog.REPOS``) over the stand-in .debs, in the vendors' layouts: "dists"
(suites and components, like pkgs.tailscale.com) or "flat" (one directory per architecture, like
nvidia.github.io/libnvidia-container), with the vendor-shaped key copies and ``.list`` files."""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import shutil
import time
from pathlib import Path

from . import catalog
from .host_tools import run, sha256
from .signing import gpg


def _packages_stanza(deb: Path, filename: str) -> str:
    control = run(["dpkg-deb", "-f", deb], text=True).stdout.rstrip("\n")
    data = deb.read_bytes()
    return (f"{control}\nFilename: {filename}\nSize: {len(data)}\n"
            f"MD5sum: {hashlib.md5(data).hexdigest()}\nSHA1: {hashlib.sha1(data).hexdigest()}\n"
            f"SHA256: {sha256(data)}\n")


def _write_index(directory: Path, text: str) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    raw = text.encode()
    (directory / "Packages").write_bytes(raw)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        gz.write(raw)
    (directory / "Packages.gz").write_bytes(buf.getvalue())
    return [directory / "Packages", directory / "Packages.gz"]


def _write_release(root: Path, indexes: list[Path], fields: list[tuple[str, str]],
                   gnupghome: Path, fpr: str) -> None:
    date = time.strftime("%a, %d %b %Y %H:%M:%S UTC", time.gmtime())
    lines = [f"{k}: {v}" for k, v in fields if v] + [f"Date: {date}"]
    for title, algo in (("MD5Sum", hashlib.md5), ("SHA1", hashlib.sha1), ("SHA256", hashlib.sha256),
                        ("SHA512", hashlib.sha512)):
        lines.append(f"{title}:")
        for p in indexes:
            data = p.read_bytes()
            lines.append(f" {algo(data).hexdigest()} {len(data):>8} {p.relative_to(root).as_posix()}")
    release = root / "Release"
    release.write_text("\n".join(lines) + "\n")
    sign = ["--pinentry-mode", "loopback", "--passphrase", "", "--local-user", fpr,
            "--digest-algo", "SHA512", "--yes"]
    gpg(gnupghome, *sign, "--clearsign", "--output", root / "InRelease", release)
    gpg(gnupghome, *sign, "--armor", "--detach-sign", "--output", root / "Release.gpg", release)


def _copy_debs(members: list[str], debs: dict[str, Path], dest: Path, prefix: str) -> dict[str, str]:
    """Copy the members' .debs into ``dest``; their Packages stanzas by architecture ("all" for stand-ins),
    each `Filename:` under ``prefix``."""
    dest.mkdir(parents=True, exist_ok=True)
    stanzas: dict[str, list[str]] = {}
    for member in members:
        deb = debs[member]
        shutil.copy2(deb, dest / deb.name)
        arch = run(["dpkg-deb", "-f", deb, "Architecture"], text=True).stdout.strip()
        stanzas.setdefault(arch, []).append(_packages_stanza(dest / deb.name, f"{prefix}{deb.name}"))
    return {arch: "\n".join(texts) for arch, texts in stanzas.items()}


def _index_text(stanzas: dict[str, str], arch: str) -> str:
    """The Packages text of ``arch``: its own .debs and the "all" ones."""
    return "\n".join(t for t in (stanzas.get("all"), stanzas.get(arch)) if t)


def build_repo(name: str, repo: dict, debs: dict[str, Path], apt: Path,
               gnupghome: Path, fpr: str, keyring: dict[str, bytes], base_url: str) -> None:
    """Write REPOS[name] under ``apt`` from ``debs`` (package name -> .deb: the stand-ins of PACKAGES that list
    the repo, and the repo's "upstream_debs"), signed with ``fpr``; ``keyring``: the public key as "binary" and
    "armor"; ``base_url`` goes into the ``.list`` files."""
    members = [p["name"] for p in catalog.PACKAGES if name in p.get("repos", [])] + repo.get("upstream_debs", [])
    archs = repo["architectures"]
    desc = "LAB FIXTURE: stand-in for the simulated lab (sparklab), not a vendor repository"
    if repo["layout"] == "dists":
        root = apt / repo["path"]
        text = _copy_debs(members, debs, root / "pool", "pool/")
        for suite in repo["suites"]:
            suite_dir = root / "dists" / suite
            indexes = []
            for comp in repo["components"]:
                for arch in archs:
                    indexes += _write_index(suite_dir / comp / f"binary-{arch}", _index_text(text, arch))
            _write_release(suite_dir, indexes, [
                ("Origin", repo["origin"]), ("Label", repo["label"]), ("Suite", suite),
                ("Codename", suite), ("Architectures", " ".join(archs)),
                ("Components", " ".join(repo["components"])), ("Description", desc),
            ], gnupghome, fpr)
        key_base = root
    elif repo["layout"] == "flat":
        for arch in archs:
            root = apt / repo["path"].format(arch=arch)
            indexes = _write_index(root, _index_text(_copy_debs(members, debs, root, "./"), arch))
            _write_release(root, indexes, [
                ("Origin", repo["origin"]), ("Label", repo["label"]),
                ("Architectures", arch), ("Description", desc),
            ], gnupghome, fpr)
        key_base = apt / repo["path"].format(arch=archs[0])
    else:
        raise ValueError(f"repo {name}: unknown layout {repo['layout']!r}")
    for rel, kind in repo.get("keys", {}).items():
        target = Path(os.path.normpath(key_base / rel))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(keyring[kind])
    for rel, template in repo.get("lists", {}).items():
        target = Path(os.path.normpath(key_base / rel))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(template.replace("{base}", base_url.rstrip("/")))
