"""What ``files/`` serves besides the wheelhouse: ``catalog.FILES`` and Ollama's release stand-in,
``ollama/v<OLLAMA_VERSION>/ollama-linux-{amd64,arm64}.tgz`` (the same bytes: the stand-in is Python) and
``sha256sum.txt``, laid out like the GitHub release. The tarball is reproducible byte for byte:
inventories/sim_lab.py pins its sha256."""
from __future__ import annotations

from .archives import files_tar, gzip_bytes, standin_text
from .catalog import FILES, OLLAMA_ARCHES, OLLAMA_FILES, OLLAMA_VERSION
from .host_tools import sha256


def ollama_tarball() -> bytes:
    """The Ollama stand-in release tarball (bin/ollama, lib/ollama/), identical bytes on every build."""
    return gzip_bytes(files_tar(OLLAMA_FILES, {}, {"version": OLLAMA_VERSION}))


def contents() -> dict[str, bytes]:
    """Path under files/ -> content: FILES, then the Ollama release stand-in."""
    out = {rel: standin_text(src) for rel, src in FILES}
    tarball = ollama_tarball()
    release = f"ollama/v{OLLAMA_VERSION}"
    for arch in OLLAMA_ARCHES:
        out[f"{release}/ollama-linux-{arch}.tgz"] = tarball
    out[f"{release}/sha256sum.txt"] = "".join(
        f"{sha256(tarball)}  ./ollama-linux-{arch}.tgz\n" for arch in OLLAMA_ARCHES).encode()
    return out
