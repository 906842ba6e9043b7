"""Stand-in git repositories (``catalog.GIT_REPOS``): bare repos under ``git/`` of the served tree, cloned by the
lab hosts over git's dumb HTTP protocol (``http://10.99.0.1:8080/git/NVIDIA/dgx-spark-playbooks.git``). Each
holds one commit of the files under ``simlab/standins/<source>/`` with a fixed author, committer, date and
message, so its SHA is reproducible byte for byte (``commit_sha``; inventories/sim_lab.py pins it)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from . import catalog
from .host_tools import run

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
    """The stand-in files (regular files only, no byte-code), modes 0644 or 0755 as git records them."""
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if any(part in SKIP for part in rel.parts) or path.suffix == ".pyc" or not path.is_file():
            continue
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, work / rel)
        (work / rel).chmod(0o755 if path.stat().st_mode & 0o100 else 0o644)


def build_repo(name: str, dest: Path) -> str:
    """Build GIT_REPOS[name] as the bare repo ``dest`` (``.../<name>.git``), ready for dumb HTTP; its commit SHA."""
    spec = catalog.GIT_REPOS[name]
    env = _git_env()
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sparklab-git-") as tmp:
        work = Path(tmp) / "work"
        work.mkdir()
        _copy_source(catalog.STANDINS / spec["source"], work)
        run(["git", "init", "-q", "--bare", "-b", spec["branch"], dest], env=env)
        git = ["git", f"--git-dir={dest}", f"--work-tree={work}"]
        run([*git, "add", "-A", "."], env=env, cwd=work)
        message = (f"Stand-in of {name} for the simulated lab (LAB FIXTURE)\n\n"
                   f"Built by sparklab's simlab.mirror from simlab/standins/{spec['source']}/.\n")
        run([*git, "commit", "-q", "--no-verify", "--no-gpg-sign", "-m", message], env=env, cwd=work)
        sha = run([*git, "rev-parse", "HEAD"], env=env, text=True).stdout.strip()
    run(["git", f"--git-dir={dest}", "repack", "-a", "-d", "-q"], env=env)
    run(["git", f"--git-dir={dest}", "update-server-info"], env=env)
    (dest / "description").write_text(f"LAB FIXTURE: stand-in of {name} (simulated lab)\n")
    return sha


def build_all(git_dir: Path) -> dict[str, str]:
    """Every GIT_REPOS entry as ``git_dir/<name>.git``; name -> commit SHA."""
    return {name: build_repo(name, git_dir / f"{name}.git") for name in catalog.GIT_REPOS}


def commit_sha(name: str) -> str:
    """The commit SHA of GIT_REPOS[name] as the mirror builds it (the value inventories/sim_lab.py pins)."""
    with tempfile.TemporaryDirectory(prefix="sparklab-git-sha-") as tmp:
        return build_repo(name, Path(tmp) / "repo.git")
