"""What the lab mirror serves, as data: apt repos and their stand-in packages, container images, files,
Python wheels, and the versions they pin.

Later levels add entries to these tables; the code should not need to change. Where a role pins the same
thing (a package version, an image tag, a wheel), tests/unit/simlab/mirror/test_catalog.py keeps the two in
step: simlab never imports roles.
"""
from __future__ import annotations

from pathlib import Path

TAILSCALE_VERSION = "1.90.9"
NVIDIA_CONTAINER_TOOLKIT_VERSION = "1.18.1-1"

MIRROR_URL = "http://10.99.0.1:8080"  # docs/lab-contract.md: lab mirror, HTTP files
# Sources of the stand-ins; read as catalog.STANDINS (not imported by name) so one patch moves them all.
STANDINS = Path(__file__).resolve().parent.parent / "standins"

# Repositories under dest/apt/.  layout "dists": path/dists/<suite>/<component>/binary-<arch>/;
# layout "flat": one self-contained directory per arch at path with "{arch}" expanded.
REPOS: dict[str, dict] = {
    "tailscale": {
        "layout": "dists",
        "path": "tailscale",
        "suites": ["bookworm", "noble"],
        "components": ["main"],
        "architectures": ["amd64", "arm64"],
        "origin": "Tailscale (simulated-lab stand-in)",
        "label": "Tailscale",
        # vendor-shaped extras: key copies and .list files, as pkgs.tailscale.com serves them
        "keys": {"bookworm.noarmor.gpg": "binary", "noble.noarmor.gpg": "binary"},
        "lists": {
            f"{suite}.tailscale-keyring.list":
                f"# Tailscale packages for {suite} (LAB FIXTURE: simulated-lab mirror)\n"
                "deb [signed-by=/usr/share/keyrings/tailscale-archive-keyring.gpg] "
                f"{{base}}/apt/tailscale {suite} main\n"
            for suite in ("bookworm", "noble")
        },
    },
    "libnvidia-container": {
        "layout": "flat",
        "path": "libnvidia-container/stable/deb/{arch}",
        "architectures": ["amd64", "arm64"],
        "origin": "NVIDIA libnvidia-container (simulated-lab stand-in)",
        "label": "libnvidia-container",
        "keys": {"../../../gpgkey": "armor"},  # apt/libnvidia-container/gpgkey
        "lists": {
            "../nvidia-container-toolkit.list":
                "deb {base}/apt/libnvidia-container/stable/deb/$(ARCH) /\n",
        },
    },
}

# Stand-in packages.  files: (installed path, source under simlab/standins/, mode).
# "@VERSION@" / "@UPSTREAM_VERSION@" in sources are replaced with the package's version.
_NV = NVIDIA_CONTAINER_TOOLKIT_VERSION
PACKAGES: list[dict] = [
    {
        "name": "tailscale",
        "version": TAILSCALE_VERSION,
        "repos": ["tailscale"],
        "section": "net",
        "depends": "python3",
        "homepage": "https://tailscale.com",
        "summary": "Tailscale node agent",
        "files": [
            ("/usr/sbin/tailscaled", "tailscale/tailscaled", 0o755),
            ("/usr/bin/tailscale", "tailscale/tailscale", 0o755),
            ("/lib/systemd/system/tailscaled.service", "tailscale/tailscaled.service", 0o644),
            ("/etc/default/tailscaled", "tailscale/tailscaled.default", 0o644),
        ],
        "conffiles": ["/etc/default/tailscaled"],
        "scripts": {"postinst": "tailscale/postinst", "prerm": "tailscale/prerm",
                    "postrm": "tailscale/postrm"},
    },
    {
        "name": "nvidia-container-toolkit",
        "version": _NV,
        "repos": ["libnvidia-container"],
        "section": "utils",
        "depends": (f"nvidia-container-toolkit-base (= {_NV}), "
                    f"libnvidia-container-tools (>= {_NV}), libnvidia-container-tools (<< 2.0.0)"),
        "homepage": "https://github.com/NVIDIA/nvidia-container-toolkit",
        "summary": "NVIDIA Container toolkit",
        "files": [("/usr/bin/nvidia-container-runtime-hook",
                   "nvidia-container-toolkit/nvidia-container-runtime-hook", 0o755)],
    },
    {
        "name": "nvidia-container-toolkit-base",
        "version": _NV,
        "repos": ["libnvidia-container"],
        "section": "utils",
        "depends": "python3",
        "breaks": "nvidia-container-toolkit (<< 1.11.0~rc.1)",
        "replaces": "nvidia-container-toolkit (<< 1.11.0~rc.1)",
        "homepage": "https://github.com/NVIDIA/nvidia-container-toolkit",
        "summary": "NVIDIA Container Toolkit Base (nvidia-ctk, nvidia-container-runtime)",
        "files": [
            ("/usr/bin/nvidia-ctk", "nvidia-container-toolkit/nvidia-ctk", 0o755),
            ("/usr/bin/nvidia-container-runtime",
             "nvidia-container-toolkit/nvidia-container-runtime", 0o755),
            ("/etc/nvidia-container-runtime/config.toml",
             "nvidia-container-toolkit/config.toml", 0o644),
        ],
        "conffiles": ["/etc/nvidia-container-runtime/config.toml"],
    },
    {
        "name": "libnvidia-container-tools",
        "version": _NV,
        "repos": ["libnvidia-container"],
        "section": "utils",
        "depends": f"libnvidia-container1 (>= {_NV})",
        "homepage": "https://github.com/NVIDIA/libnvidia-container",
        "summary": "NVIDIA container runtime library (command-line tools)",
        "files": [("/usr/bin/nvidia-container-cli",
                   "nvidia-container-toolkit/nvidia-container-cli", 0o755)],
    },
    {
        "name": "libnvidia-container1",
        "version": _NV,
        "repos": ["libnvidia-container"],
        "section": "libs",
        "homepage": "https://github.com/NVIDIA/libnvidia-container",
        "summary": "NVIDIA container runtime library (no library in the stand-in)",
        "files": [],
    },
]


def package(name: str) -> dict:
    return next(p for p in PACKAGES if p["name"] == name)


# Stand-in container images. "repository" is pushed to the lab registry as is; the hosts pull
# "<registry>/<repository>:<tag>": nvcr.io and ghcr.io resolve to the lab registry (/etc/hosts,
# docker's insecure-registries), Docker Hub names reach it through docker's registry-mirrors.
# Every image has the busybox layer; "python": True adds Debian's python3.11 and the stand-in programs
# (simlab/standins/engines/). "entrypoint", "cmd" (default ["sh"]; [] for none) and "env" go into the
# image config. Entries for Level 2 follow dgx-spark-playbooks §2.3-2.9 and the engine catalog in
# roles/inference_engines.py.
IMAGES: list[dict] = [
    {
        "registry": "nvcr.io",
        "repository": "nvidia/pytorch",
        "tag": "25.11-py3",  # dgx-spark-playbooks §7: fine-tune / unsloth / multimodal
        "env": ["NVIDIA_PYTORCH_VERSION=25.11", "PYTORCH_VERSION=standin"],
    },
    {
        "registry": "nvcr.io",
        "repository": "nvidia/cuda",
        "tag": "13.0.1-runtime-ubuntu24.04",  # §7: CUDA base (GPU check)
        "env": ["CUDA_VERSION=13.0.1"],
    },
    {"registry": "nvcr.io", "repository": "nvidia/vllm", "tag": "26.05.post1-py3", "python": True},
    {"registry": "nvcr.io", "repository": "nvidia/tensorrt-llm/release", "tag": "1.3.0rc13", "python": True},
    # §2.9 speculative decoding (EAGLE-3) pins the previous release candidate
    {"registry": "nvcr.io", "repository": "nvidia/tensorrt-llm/release", "tag": "1.3.0rc12", "python": True},
    {"registry": "docker.io", "repository": "lmsysorg/sglang", "tag": "latest-cu130", "python": True},
    {
        "registry": "nvcr.io",
        "repository": "nim/meta/llama-3.1-8b-instruct-dgx-spark",
        "tag": "latest",
        "python": True,
        "env": ["NIM_SERVED_MODEL_NAME=meta/llama-3.1-8b-instruct", "NIM_SERVER_PORT=8000"],
        "cmd": ["/opt/nim/start_server.sh"],  # the NIM serves its one model by default
    },
    {
        "registry": "ghcr.io",
        "repository": "open-webui/open-webui",
        "tag": "main",
        "python": True,
        "env": ["PORT=8080"],
        "cmd": ["open-webui", "serve"],
    },
    {
        "registry": "ghcr.io",
        "repository": "ggml-org/llama.cpp",
        "tag": "server-cuda",
        "python": True,
        # like the real image: the container's arguments are llama-server's, and it listens on all addresses
        "env": ["LLAMA_ARG_HOST=0.0.0.0"],
        "entrypoint": ["/app/llama-server"],
        "cmd": [],
    },
]
IMAGE_ARCH = "amd64"  # linux/amd64, the lab hosts' architecture

# The stand-in layer: (path in the image, source under simlab/standins/, mode), and links to the
# program that picks its command line by the name it is run as (simlab/standins/engines/standin_engines.py).
STANDIN_DIR = "opt/sparklab-standin"
STANDIN_FILES: list[tuple[str, str, int]] = [
    (f"{STANDIN_DIR}/standin_server.py", "engines/standin_server.py", 0o644),
    (f"{STANDIN_DIR}/standin_engines.py", "engines/standin_engines.py", 0o755),
    (f"{STANDIN_DIR}/sglang/__init__.py", "engines/sglang/__init__.py", 0o644),
    (f"{STANDIN_DIR}/sglang/launch_server.py", "engines/sglang/launch_server.py", 0o644),
    ("usr/local/lib/python3.11/dist-packages/sparklab-standin.pth", "engines/sparklab-standin.pth", 0o644),
    ("bin/bash", "engines/bash", 0o755),
]
STANDIN_LINKS: dict[str, str] = {
    **{f"usr/local/bin/{name}": f"/{STANDIN_DIR}/standin_engines.py"
       for name in ("vllm", "trtllm-serve", "llama-server", "hf", "huggingface-cli", "open-webui")},
    "app/llama-server": f"/{STANDIN_DIR}/standin_engines.py",
    "opt/nim/start_server.sh": f"/{STANDIN_DIR}/standin_engines.py",
}

# Stand-in files under dest/files/: (path under files/, source under simlab/standins/).
FILES: list[tuple[str, str]] = []

# Ollama's release tarball stand-in: files/ollama/v{OLLAMA_VERSION}/ollama-linux-{amd64,arm64}.tgz
# (the same bytes: the stand-in is Python) and sha256sum.txt, like the GitHub release. The tarball is
# reproducible byte for byte: inventories/sim_lab.py pins its sha256.
OLLAMA_VERSION = "0.15.2"
OLLAMA_ARCHES = ("amd64", "arm64")
OLLAMA_FILES: list[tuple[str, str, int]] = [
    ("bin/ollama", "ollama/ollama", 0o755),
    ("lib/ollama/standin_server.py", "engines/standin_server.py", 0o644),
]

# Python packages the hosts install with pip (they cannot reach PyPI): downloaded here once into
# a wheelhouse served at files/wheels/ (`pip install --no-index --find-links <mirror>/files/wheels/`).
# The lab hosts run Debian bookworm's CPython 3.11.2 on x86_64: wheels are chosen for exactly that.
WHEELS: list[str] = ["jupyterlab==4.5.5", "torch==2.13.0", "numpy==2.4.6", "nvidia-ml-py==13.615.71"]
HOST_PYTHON = "3.11.2"
