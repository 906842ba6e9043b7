"""simlab.mirror.git_repos: the stand-in git repositories, reproducible to the commit SHA that
inventories/sim_lab.py pins, cloneable over git's dumb HTTP protocol."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import threading

import pytest

from simlab.mirror import catalog, git_repos

pytestmark = pytest.mark.skipif(not shutil.which("git"), reason="needs git")
INVENTORY = catalog.STANDINS.parent.parent / "inventories" / "sim_lab.py"
PINS = {"NVIDIA/dgx-spark-playbooks": "playbooks_commit",
        "NVIDIA/workbench-example-agentic-rag": "agentic_rag_commit",
        "hiyouga/LLaMA-Factory": "llama_factory_commit",
        "comfyanonymous/ComfyUI": "comfyui_commit"}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_lab_inventory_pins_these_commits():
    """inventories/sim_lab.py pins each stand-in repo by the SHA the mirror builds (an edited stand-in
    changes it: put the new SHA there)."""
    text = INVENTORY.read_text()
    assert set(PINS) == set(catalog.GIT_REPOS)
    for name, key in PINS.items():
        sha = git_repos.commit_sha(name)
        assert f'"{key}": "{sha}"' in text, f"{name} changed: pin {key} = {sha} in inventories/sim_lab.py"
        assert f'"http://10.99.0.1:8080/git/{name}.git"' in text


def test_sha_does_not_depend_on_modes_umask_or_byte_code(tmp_path, monkeypatch):
    source = tmp_path / "standins" / "demo"
    (source / "sub" / "__pycache__").mkdir(parents=True)
    (source / "README.md").write_text("LAB FIXTURE\n")
    (source / "run.sh").write_text("#!/bin/sh\n")
    (source / "run.sh").chmod(0o755)
    (source / "sub" / "mod.py").write_text("x = 1\n")
    (source / "sub" / "__pycache__" / "mod.cpython-311.pyc").write_bytes(b"junk")
    monkeypatch.setattr(catalog, "STANDINS", tmp_path / "standins")
    monkeypatch.setitem(catalog.GIT_REPOS, "demo/repo", {"source": "demo", "branch": "main"})
    first = git_repos.commit_sha("demo/repo")
    (source / "sub" / "mod.py").chmod(0o600)
    old = os.umask(0o077)
    try:
        assert git_repos.commit_sha("demo/repo") == first
    finally:
        os.umask(old)
    (source / "run.sh").chmod(0o644)  # the executable bit is content to git
    assert git_repos.commit_sha("demo/repo") != first


def test_clone_over_dumb_http_and_checkout_the_pin(tmp_path):
    shas = git_repos.build_all(tmp_path / "srv" / "git")
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path / "srv")))
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1"}
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}/git/NVIDIA/dgx-spark-playbooks.git"
        clone = tmp_path / "pb"
        subprocess.run(["git", "clone", "-q", url, clone], check=True, env=env, timeout=60)
        subprocess.run(["git", "-C", clone, "checkout", "-q", shas["NVIDIA/dgx-spark-playbooks"]], check=True,
                       env=env)
    finally:
        srv.shutdown()
        srv.server_close()
    log = subprocess.run(["git", "-C", clone, "log", "--format=%H %an <%ae> %aI %cI"], capture_output=True,
                         text=True, check=True, env=env).stdout.split("\n")
    assert log[0] == (f"{shas['NVIDIA/dgx-spark-playbooks']} Sparklab simulated lab <lab@sparklab.invalid> "
                      "2025-01-01T00:00:00Z 2025-01-01T00:00:00Z".replace("Z", "+00:00"))
    assert log[1:] == [""]  # one commit
    assets = clone / "nvidia"
    for path in ("txt2kg/assets/deploy/compose/docker-compose.yml", "txt2kg/assets/deploy/app/Dockerfile",
                 "multi-agent-chatbot/assets/docker-compose-models.yml",
                 "multi-agent-chatbot/assets/Dockerfile.llamacpp"):
        assert (assets / path).is_file(), path
    assert os.access(assets / "multi-agent-chatbot/assets/model_download.sh", os.X_OK)
    assert not list(clone.rglob("__pycache__"))
    assert "LAB FIXTURE" in (clone / "README.md").read_text()


def test_llama_factory_is_its_real_source_from_the_sdist(tmp_path):
    """hiyouga/LLaMA-Factory holds the files of the pinned PyPI sdist (its symbolic link kept, PKG-INFO left
    out), the same commit on every build."""
    bare = tmp_path / "lf.git"
    sha = git_repos.build_repo("hiyouga/LLaMA-Factory", bare)
    assert git_repos.commit_sha("hiyouga/LLaMA-Factory") == sha

    def git(*args):
        return subprocess.run(["git", f"--git-dir={bare}", *args], capture_output=True, text=True,
                              check=True).stdout
    tree = {line.split("\t")[1]: line.split()[0] for line in git("ls-tree", "-r", sha).splitlines()}
    assert "PKG-INFO" not in tree and "pyproject.toml" in tree and "src/llamafactory/cli.py" in tree
    assert tree["CLAUDE.md"] == "120000"  # a symbolic link, as in the repository
    env = git("show", f"{sha}:src/llamafactory/extras/env.py")
    assert f'VERSION = "{catalog.LLAMA_FACTORY_VERSION}"' in env
    assert "source of hiyouga/LLaMA-Factory" in (bare / "description").read_text()


def test_vendored_playbook_files_keep_their_license_headers():
    assets = catalog.STANDINS / "playbooks/nvidia/multi-agent-chatbot/assets"
    for name in ("docker-compose.yml", "docker-compose-models.yml", "model_download.sh", "Dockerfile.llamacpp"):
        assert "SPDX-License-Identifier: Apache-2.0" in (assets / name).read_text(), name
