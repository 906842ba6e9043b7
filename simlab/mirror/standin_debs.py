"""Stand-in .deb packages (``catalog.PACKAGES``) built with dpkg-deb from ``simlab/standins/``: root-owned,
fixed mtimes, each saying in its description and a README that it is a lab fixture, not vendor software."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .archives import FIXED_EPOCH, standin_text
from .host_tools import run

MAINTAINER = "Sparklab simulated lab <lab@sparklab.invalid>"


def _control(pkg: dict, installed_kib: int) -> str:
    lines = [
        f"Package: {pkg['name']}",
        f"Version: {pkg['version']}",
        "Architecture: all",
        f"Maintainer: {MAINTAINER}",
        f"Installed-Size: {installed_kib}",
    ]
    for field in ("depends", "breaks", "replaces", "conflicts", "provides"):
        if pkg.get(field):
            lines.append(f"{field.capitalize()}: {pkg[field]}")
    lines += [
        f"Section: {pkg.get('section', 'misc')}",
        "Priority: optional",
    ]
    if pkg.get("homepage"):
        lines.append(f"Homepage: {pkg['homepage']}")
    lines += [
        f"Description: stand-in for the simulated lab: {pkg['summary']} (LAB FIXTURE)",
        " LAB FIXTURE: stand-in for the simulated lab (sparklab). This is not the",
        f" vendor's {pkg['name']} package; it only mimics the commands and files that",
        " the sparklab roles and checks use, on simulated Debian hosts without",
        " access to vendor sites or GPUs.",
    ]
    return "\n".join(lines) + "\n"


def build_deb(pkg: dict, workdir: Path) -> Path:
    """Build one PACKAGES entry into ``workdir``; returns the .deb."""
    stage = workdir / f"stage-{pkg['name']}"
    (stage / "DEBIAN").mkdir(parents=True)
    files = list(pkg.get("files", []))
    doc = f"/usr/share/doc/{pkg['name']}/README.sparklab-standin"
    md5 = []
    size = 0
    for dst, src, mode in files:
        data = standin_text(src, pkg)
        _write_staged(stage, dst, data, mode)
        md5.append((dst, hashlib.md5(data).hexdigest()))
        size += (len(data) + 1023) // 1024
    note = (f"LAB FIXTURE: {pkg['name']} {pkg['version']} is a stand-in for the simulated lab\n"
            "(sparklab, simlab/mirror/). It is not vendor software.\n").encode()
    _write_staged(stage, doc, note, 0o644)
    md5.append((doc, hashlib.md5(note).hexdigest()))
    ndirs = sum(1 for p in stage.rglob("*") if p.is_dir() and p.name != "DEBIAN")
    (stage / "DEBIAN/control").write_text(_control(pkg, size + 1 + ndirs))
    (stage / "DEBIAN/md5sums").write_text(
        "".join(f"{digest}  {path.lstrip('/')}\n" for path, digest in sorted(md5)))
    if pkg.get("conffiles"):
        (stage / "DEBIAN/conffiles").write_text("".join(c + "\n" for c in pkg["conffiles"]))
    for name, src in pkg.get("scripts", {}).items():
        _write_staged(stage, f"/DEBIAN/{name}", standin_text(src, pkg), 0o755)
    for p in [stage, *stage.rglob("*")]:
        if p.is_dir():
            p.chmod(0o755)
        os.utime(p, (FIXED_EPOCH, FIXED_EPOCH), follow_symlinks=False)
    for p in (stage / "DEBIAN").iterdir():
        if p.name in ("control", "md5sums", "conffiles"):
            p.chmod(0o644)
    out = workdir / f"{pkg['name']}_{pkg['version']}_all.deb"
    run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", stage, out],
        env=dict(os.environ, SOURCE_DATE_EPOCH=str(FIXED_EPOCH)))
    return out


def _write_staged(stage: Path, dst: str, data: bytes, mode: int) -> None:
    p = stage / dst.lstrip("/")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    p.chmod(mode)
