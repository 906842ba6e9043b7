"""Stand-in git repositories (``catalog.GIT_REPOS``): bare repos under ``git/`` of the served tree, cloned by the
lab hosts over git's dumb HTTP protocol (``http://10.99.0.1:8080/git/NVIDIA/dgx-spark-playbooks.git``). Each
holds one commit of the files under ``simlab/standins/<source>/`` with a fixed author, committer, date and
message, so its SHA is reproducible byte for byte (``commit_sha``; inventories/sim_lab.py pins it). An entry with an
"sdist" holds the files of that PyPI sdist instead (the real LLaMA-Factory source): downloaded once into the lab
cache (``<cache>/downloads/``), checked against its sha256, its symbolic links kept as links."""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

from . import catalog
from .host_tools import file_sha256, log, run
from .lab_cache import locked_cache

SKIP = ("__pycache__", ".pytest_cache")


def _git_env() -> dict[str, str]:
    ident, date = catalog.GIT_IDENTITY, catalog.GIT_IDENTITY["date"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return env | {
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,  # no user settings (hooks, signing, crlf)
        "GIT_AUTHOR_NAME": ident["name"], "GIT_AUTHOR_EMAIL": ident["email"], "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": ident["name"], "GIT_COMMITTER_EMAIL": ident["email"], "GIT_COMMITTER_DATE": date,
        "TZ": "UTC",
    }


def _copy_source(source: Path, work: Path) -> None:
    """The stand-in files (regular files only, no byte-code), modes 0644 or 0755 as git records them; symbolic links
    as links."""
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if any(part in SKIP for part in rel.parts) or path.suffix == ".pyc":
            continue
        if path.is_symlink():
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(path), work / rel)
            continue
        if not path.is_file():
            continue
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, work / rel)
        (work / rel).chmod(0o755 if path.stat().st_mode & 0o100 else 0o644)



def sdist(cache: Path, spec: dict) -> Path:
    """The verified sdist of ``spec`` (a GIT_REPOS "sdist") in ``cache``/downloads, downloaded with pip when
    missing or wrong."""
    downloads = cache / "downloads"
    target = downloads / spec["file"]
    if target.is_file() and file_sha256(target) == spec["sha256"]:
        return target
    downloads.mkdir(parents=True, exist_ok=True)
    log.info("downloading the sdist of %s", spec["requirement"])
    with tempfile.TemporaryDirectory(dir=downloads) as tmp:
        run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary=:all:", "--dest", tmp,
             spec["requirement"]])
        got = Path(tmp) / spec["file"]
        if not got.is_file() or file_sha256(got) != spec["sha256"]:
            raise RuntimeError(f"{spec['requirement']}: not the pinned sdist {spec['file']} (sha256 "
                               f"{spec['sha256']}); not served")
        os.replace(got, target)
    return target


def _unpack_sdist(archive: Path, into: Path) -> Path:
    """The sdist's top directory, unpacked in ``into``, less PKG-INFO (sdist metadata, not in the repository)."""
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    (top,) = into.iterdir()
    (top / "PKG-INFO").unlink(missing_ok=True)
    return top


@contextlib.contextmanager
def _cache(cache: Path | None):
    if cache is not None:
        yield cache
    else:
        with locked_cache() as c:
            yield c


def build_repo(name: str, dest: Path, cache: Path | None = None) -> str:
    """Build GIT_REPOS[name] as the bare repo ``dest`` (``.../<name>.git``), ready for dumb HTTP; its commit SHA.
    ``cache``: the (locked) lab cache, for an "sdist" entry; locked here when not given."""
    spec = catalog.GIT_REPOS[name]
    env = _git_env()
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sparklab-git-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        if "sdist" in spec:
            with _cache(cache) as c:
                archive = sdist(c, spec["sdist"])
            source = _unpack_sdist(archive, Path(tmp) / "sdist")
            message = (f"{name} from its PyPI sdist {spec['sdist']['file']} (simulated lab)\n\n"
                       f"Built by sparklab's simlab.mirror from {spec['sdist']['file']} "
                       f"(sha256 {spec['sdist']['sha256']}), less PKG-INFO.\n")
        else:
            source = catalog.STANDINS / spec["source"]
            message = (f"Stand-in of {name} for the simulated lab (LAB FIXTURE)\n\n"
                       f"Built by sparklab's simlab.mirror from simlab/standins/{spec['source']}/.\n")
        _copy_source(source, work)
        run(["git", "init", "-q", "--bare", "-b", spec["branch"], dest], env=env)
        git = ["git", f"--git-dir={dest}", f"--work-tree={work}"]
        run([*git, "add", "-A", "."], env=env, cwd=work)
        run([*git, "commit", "-q", "--no-verify", "--no-gpg-sign", "-m", message], env=env, cwd=work)
        sha = run([*git, "rev-parse", "HEAD"], env=env, text=True).stdout.strip()
    run(["git", f"--git-dir={dest}", "repack", "-a", "-d", "-q"], env=env)
    run(["git", f"--git-dir={dest}", "update-server-info"], env=env)
    kind = "source" if "sdist" in spec else "LAB FIXTURE: stand-in"
    (dest / "description").write_text(f"{kind} of {name} (simulated lab)\n")
    return sha


def build_all(git_dir: Path, cache: Path | None = None) -> dict[str, str]:
    """Every GIT_REPOS entry as ``git_dir/<name>.git``; name -> commit SHA."""
    return {name: build_repo(name, git_dir / f"{name}.git", cache) for name in catalog.GIT_REPOS}


def commit_sha(name: str, cache: Path | None = None) -> str:
    """The commit SHA of GIT_REPOS[name] as the mirror builds it (the value inventories/sim_lab.py pins)."""
    with tempfile.TemporaryDirectory(prefix="sparklab-git-sha-") as tmp:
        return build_repo(name, Path(tmp) / "repo.git", cache)
