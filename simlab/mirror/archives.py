"""Reproducible archives of the stand-in sources (``simlab/standins/``): fixed member order, mtimes and
owners, gzip without name or mtime, so the same sources give the same bytes (the Ollama tarball's sha256
is pinned in inventories/sim_lab.py; image layers are keyed by their content)."""
from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

from . import catalog

FIXED_EPOCH = 1735689600  # 2025-01-01T00:00:00Z: mtimes inside debs and image layers


def standin_text(source: str, package: dict | None = None) -> bytes:
    """Content of a stand-in source file with the package's version substituted."""
    data = (catalog.STANDINS / source).read_bytes()
    if package is not None:
        version = package["version"]
        data = (data.replace(b"@UPSTREAM_VERSION@", version.split("-")[0].encode())
                .replace(b"@VERSION@", version.encode()))
    return data


def gzip_bytes(data: bytes) -> bytes:
    """gzip with no name and mtime 0: the same input gives the same bytes (with the same zlib)."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=6) as f:
        f.write(data)
    return out.getvalue()


def tar_member(tar: tarfile.TarFile, name: str, kind: bytes = tarfile.DIRTYPE, mode: int = 0o755,
               data: bytes = b"", link: str = "", owner: tuple[int, int] = (0, 0)) -> None:
    """Add one member with the fixed mtime (reproducible archives), owned by root unless ``owner`` (uid, gid)."""
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.mtime = kind, mode, FIXED_EPOCH
    ti.uid, ti.gid = owner
    ti.uname = ti.gname = "root" if owner == (0, 0) else ""
    ti.linkname = link
    ti.size = len(data) if kind == tarfile.REGTYPE else 0
    tar.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def files_tar(files: list[tuple[str, str, int]], links: dict[str, str], package: dict | None = None,
              owners: dict[str, tuple[int, int]] | None = None) -> bytes:
    """Uncompressed tar of stand-in sources (and links) at their paths, parents first, in name order; ``owners``:
    (uid, gid) of some of those paths or their parents (root's otherwise)."""
    members = {dst: (tarfile.REGTYPE, mode, standin_text(src, package), "") for dst, src, mode in files}
    members |= {dst: (tarfile.SYMTYPE, 0o777, b"", target) for dst, target in links.items()}
    dirs = {str(parent) for name in members for parent in Path(name).parents if str(parent) != "."}
    members |= {d: (tarfile.DIRTYPE, 0o755, b"", "") for d in dirs}
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(members, key=lambda n: Path(n).parts):
            tar_member(tar, name, *members[name], owner=(owners or {}).get(name, (0, 0)))
    return raw.getvalue()
