"""The lab cache (``$SPARKLAB_SIM_CACHE``, default ``/var/cache/sparklab-sim``) shared by the mirror's build
and push: signing key, wheelhouse, downloaded .debs, image layers. Locked while in use."""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from pathlib import Path

from .host_tools import log
from .signing import kill_agent


def _cache_root() -> Path:
    return Path(os.environ.get("SPARKLAB_SIM_CACHE") or "/var/cache/sparklab-sim")


@contextlib.contextmanager
def locked_cache():
    """Yield a locked cache dir; a throw-away one when the real cache is unusable."""
    root = _cache_root()
    tmp = None
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / "mirror.lock").touch()
    except OSError as e:
        log.warning("cache %s unusable (%s); using a temporary one", root, e)
        tmp = root = Path(tempfile.mkdtemp(prefix="sparklab-sim-cache-"))
    try:
        with open(root / "mirror.lock", "a+") as lockf:
            fcntl.flock(lockf, fcntl.LOCK_EX)
            yield root
    finally:
        if tmp is not None:
            kill_agent(tmp / "gpg")  # an agent left running would outlive its home
            shutil.rmtree(tmp, ignore_errors=True)
