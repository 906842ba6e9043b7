"""What ``files/`` serves besides the wheelhouse: ``catalog.FILES``, the GGUF model stand-ins (``catalog.GGUF_FILES``,
at Hugging Face's paths under ``huggingface/``), the safetensors ones (``catalog.SAFETENSORS_FILES``, there too) and
Ollama's release stand-in,
``ollama/v<OLLAMA_VERSION>/ollama-linux-{amd64,arm64}.tgz`` (the same bytes: the stand-in is Python) and
``sha256sum.txt``, laid out like the GitHub release. The tarball is reproducible byte for byte:
inventories/sim_lab.py pins its sha256."""
from __future__ import annotations

import json
import struct

from .archives import files_tar, gzip_bytes, standin_text
from .catalog import FILES, GGUF_FILES, OLLAMA_ARCHES, OLLAMA_FILES, OLLAMA_VERSION, SAFETENSORS_FILES
from .host_tools import sha256

GGUF_STRING = 8  # gguf_type GGUF_TYPE_STRING


def _gguf_str(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def gguf_standin(path: str) -> bytes:
    """A small GGUF file (version 3, no tensors) standing in for the model file at ``path`` (under files/):
    the magic and header llama.cpp reads first, and two strings saying what it is. Same bytes on every build."""
    name = path.rsplit("/", 1)[-1]
    kv = [("general.name", f"{name} (LAB FIXTURE)"),
          ("sparklab.standin", f"stand-in for https://huggingface.co/{path.removeprefix('huggingface/')}: "
                               "no weights (simulated lab)")]
    out = b"GGUF" + struct.pack("<IQQ", 3, 0, len(kv))
    for key, value in kv:
        out += _gguf_str(key) + struct.pack("<I", GGUF_STRING) + _gguf_str(value)
    return out


def safetensors_standin(path: str) -> bytes:
    """A small safetensors file standing in for the model file at ``path`` (under files/): the header's 8-byte
    length, then its JSON (padded with spaces to 8 bytes, as safetensors writes it) with no tensor, only metadata
    saying what it is. Same bytes on every build."""
    name = path.rsplit("/", 1)[-1]
    header = json.dumps({"__metadata__": {
        "format": "pt", "modelspec.title": f"{name} (LAB FIXTURE)",
        "sparklab.standin": f"stand-in for https://huggingface.co/{path.removeprefix('huggingface/')}: no weights "
                            "(simulated lab)"}}, sort_keys=True, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header


def ollama_tarball() -> bytes:
    """The Ollama stand-in release tarball (bin/ollama, lib/ollama/), identical bytes on every build."""
    return gzip_bytes(files_tar(OLLAMA_FILES, {}, {"version": OLLAMA_VERSION}))


def contents() -> dict[str, bytes]:
    """Path under files/ -> content: FILES, the GGUF and safetensors model stand-ins, then the Ollama release
    stand-in."""
    out = {rel: standin_text(src) for rel, src in FILES}
    out |= {rel: gguf_standin(rel) for rel in GGUF_FILES}
    out |= {rel: safetensors_standin(rel) for rel in SAFETENSORS_FILES}
    tarball = ollama_tarball()
    release = f"ollama/v{OLLAMA_VERSION}"
    for arch in OLLAMA_ARCHES:
        out[f"{release}/ollama-linux-{arch}.tgz"] = tarball
    out[f"{release}/sha256sum.txt"] = "".join(
        f"{sha256(tarball)}  ./ollama-linux-{arch}.tgz\n" for arch in OLLAMA_ARCHES).encode()
    return out
