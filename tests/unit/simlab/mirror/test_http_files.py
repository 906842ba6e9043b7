"""simlab.mirror.http_files: Ollama's release stand-in as files/ serves it, reproducible byte for byte and
pinned by inventories/sim_lab.py."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import struct
import tarfile

from simlab.mirror import catalog, http_files
from simlab.mirror.archives import FIXED_EPOCH
from simlab.mirror.catalog import OLLAMA_VERSION
from simlab.mirror.http_files import ollama_tarball


def test_tarball_is_reproducible_and_release_shaped():
    a, b = ollama_tarball(), ollama_tarball()
    assert a == b and a[:2] == b"\x1f\x8b" and a[4:8] == b"\0\0\0\0"  # gzip, mtime 0
    with tarfile.open(fileobj=io.BytesIO(a)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        script = tar.extractfile("bin/ollama").read().decode()
    assert list(members) == ["bin", "bin/ollama", "lib", "lib/ollama", "lib/ollama/standin_server.py"]
    assert members["bin/ollama"].mode == 0o755 and members["lib/ollama/standin_server.py"].mode == 0o644
    assert all(m.uid == 0 and m.gid == 0 and m.mtime == FIXED_EPOCH for m in members.values())
    assert f'VERSION = "{OLLAMA_VERSION}"' in script and "@VERSION@" not in script


def test_release_files_in_the_mirror():
    files = http_files.contents()
    release = f"ollama/v{OLLAMA_VERSION}"
    tarball = files[f"{release}/ollama-linux-amd64.tgz"]
    assert files[f"{release}/ollama-linux-arm64.tgz"] == tarball == ollama_tarball()
    sha = hashlib.sha256(tarball).hexdigest()
    assert files[f"{release}/sha256sum.txt"].decode() == (
        f"{sha}  ./ollama-linux-amd64.tgz\n{sha}  ./ollama-linux-arm64.tgz\n")
    assert gzip.decompress(tarball)  # a valid gzip stream


def test_lab_inventory_pins_this_tarball():
    """inventories/sim_lab.py pins the stand-in by its sha256, as a real inventory pins a release (its version
    follows roles/ollama.py's DEFAULTS: test_catalog.py)."""
    text = (catalog.STANDINS.parent.parent / "inventories" / "sim_lab.py").read_text()
    assert f'"amd64": "{hashlib.sha256(ollama_tarball()).hexdigest()}"' in text, (
        "the Ollama stand-in changed: put its new sha256 into inventories/sim_lab.py")


def test_gguf_model_standins_are_pinned_in_the_catalog():
    """The chatbot's model files: GGUF (magic, version 3), different per path, and the sha256 the catalog pins
    for inventories (an edit to the generator must update catalog.GGUF_FILES)."""
    files = http_files.contents()
    assert len(catalog.GGUF_FILES) == 6
    for rel, sha in catalog.GGUF_FILES.items():
        assert rel.startswith("huggingface/") and "/resolve/main/" in rel and rel.endswith(".gguf")
        data = files[rel]
        assert data[:8] == b"GGUF\x03\0\0\0" and rel.rsplit("/", 1)[1].encode() in data
        assert hashlib.sha256(data).hexdigest() == sha, f"{rel}: put {hashlib.sha256(data).hexdigest()} in GGUF_FILES"
    assert len({files[rel] for rel in catalog.GGUF_FILES}) == 6


def test_safetensors_model_standins_are_pinned_in_the_catalog():
    """The ComfyUI lab's SD1.5 checkpoint: a safetensors file (header length, JSON header padded to 8 bytes, no
    tensor) naming what it stands in for, and the sha256 the catalog pins for inventories."""
    files = http_files.contents()
    assert list(catalog.SAFETENSORS_FILES) == [
        "huggingface/Comfy-Org/stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors"]
    for rel, sha in catalog.SAFETENSORS_FILES.items():
        data = files[rel]
        (size,) = struct.unpack("<Q", data[:8])
        assert size % 8 == 0 and len(data) == 8 + size
        header = json.loads(data[8:])
        assert list(header) == ["__metadata__"] and "no weights" in header["__metadata__"]["sparklab.standin"]
        assert hashlib.sha256(data).hexdigest() == sha, (
            f"{rel}: put {hashlib.sha256(data).hexdigest()} in SAFETENSORS_FILES")
