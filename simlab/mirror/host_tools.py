"""What every step of the mirror shares: its log, the host's tools (dpkg-deb, gpg, apt-get, tar, chroot)
run with readable errors, and sha256 hex digests."""
from __future__ import annotations

import hashlib
import logging
import subprocess

log = logging.getLogger("simlab.mirror")


def run(cmd, check: bool = True, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("capture_output", True)
    try:
        return subprocess.run([str(c) for c in cmd], check=check, **kw)
    except FileNotFoundError as e:
        raise RuntimeError(f"{cmd[0]} not found (needed by simlab.mirror)") from e
    except subprocess.CalledProcessError as e:
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else e.stderr
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({e.returncode}): {err}") from e


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path) -> str:
    """sha256 of a file, read in 1 MiB blocks (wheels and layers run to GBs)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
