"""``build(dest)``: the tree the lab's file server serves (``keys/``, ``apt/``, ``files/``, ``git/``) and the stand-in
Hugging Face Hub's repositories (``hub/``, served by ``simlab.hf_hub``), rebuilt only
when its inputs change: a stamp hashes the signing key, the base URL, this package's code and every file under
``simlab/standins/``, so a second build is a no-op and an edited stand-in is rebuilt. The new tree is made
beside ``dest`` and renamed into place."""
from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from pathlib import Path

from . import catalog, git_repos, hf_repos, http_files, upstream_debs
from .host_tools import log, sha256
from .lab_cache import locked_cache
from .signed_repos import build_repo
from .signing import ensure_key, gpg, kill_agent
from .standin_debs import build_deb
from .wheelhouse import copy_own, copy_wheelhouse

STAMP_NAME = ".sparklab-mirror.stamp"
FORMAT = "sparklab-mirror/1"


def _inputs_hash(fpr: str, base_url: str) -> str:
    h = hashlib.sha256()
    h.update(f"{FORMAT}\n{fpr}\n{base_url}\n".encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f"{module.name}\0".encode())
        h.update(module.read_bytes())
    for p in sorted(catalog.STANDINS.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(f"{p.relative_to(catalog.STANDINS)}\0{p.stat().st_mode & 0o777}\0".encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _is_built(dest: Path, stamp: str) -> bool:
    try:
        if (dest / STAMP_NAME).read_text().strip() != stamp:
            return False
    except OSError:
        return False
    return all((dest / p).exists() for p in
               ("keys/lab-archive-keyring.gpg", "keys/lab-archive-keyring.asc",
                "apt", "files/SHA256SUMS", "git", "hub/index.json"))


def build(dest: Path, base_url: str = catalog.MIRROR_URL) -> None:
    """Build (or refresh) the lab mirror content in ``dest``; a no-op when up to date.

    ``base_url`` is only written into the vendor-shaped ``*.list`` convenience files.
    """
    dest = Path(dest).resolve()
    with locked_cache() as cache:
        gnupghome, fpr = ensure_key(cache)
        stamp = _inputs_hash(fpr, base_url)
        if _is_built(dest, stamp):
            log.debug("mirror %s up to date", dest)
            return
        t0 = time.monotonic()
        dest.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{dest.name}.build-", dir=dest.parent))
        try:
            out = work / "out"
            keys = out / "keys"
            keys.mkdir(parents=True)
            keyring = {
                "binary": gpg(gnupghome, "--export", fpr).stdout,
                "armor": gpg(gnupghome, "--armor", "--export", fpr).stdout,
            }
            (keys / "lab-archive-keyring.gpg").write_bytes(keyring["binary"])
            (keys / "lab-archive-keyring.asc").write_bytes(keyring["armor"])
            (keys / "FINGERPRINT").write_text(fpr + "\n")

            debs_dir = work / "debs"
            debs_dir.mkdir()
            debs = {p["name"]: build_deb(p, debs_dir) for p in catalog.PACKAGES}
            debs |= {n: upstream_debs.fetch(cache, n) for n in upstream_debs.used()}
            apt = out / "apt"
            apt.mkdir()
            for name, repo in catalog.REPOS.items():
                build_repo(name, repo, debs, apt, gnupghome, fpr, keyring, base_url)

            files = out / "files"
            files.mkdir()
            sums = []
            for rel, data in http_files.contents().items():
                (files / rel).parent.mkdir(parents=True, exist_ok=True)
                (files / rel).write_bytes(data)
                sums.append(f"{sha256(data)}  {rel}\n")
            (files / "SHA256SUMS").write_text("".join(sorted(sums, key=lambda s: s[66:])))
            copy_wheelhouse(cache, files / "wheels")
            copy_own(cache, files)
            git_repos.build_all(out / "git", cache)
            hf_repos.build_hub(out / "hub")

            for p in [out, *out.rglob("*")]:
                p.chmod(0o755 if p.is_dir() else 0o644)
            (dest / STAMP_NAME).unlink(missing_ok=True)
            for sub in ("keys", "apt", "files", "git", "hub"):
                old = dest / sub
                if old.exists():
                    old.rename(work / f"old-{sub}")
                (out / sub).rename(old)
            tmp_stamp = dest / (STAMP_NAME + ".tmp")
            tmp_stamp.write_text(stamp + "\n")
            tmp_stamp.rename(dest / STAMP_NAME)
        finally:
            kill_agent(gnupghome)
            shutil.rmtree(work, ignore_errors=True)
        log.info("built lab mirror in %s (%.1f s)", dest, time.monotonic() - t0)
