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
DOCKER_COMPOSE_VERSION = "2.26.1-4"  # Debian trixie's Compose v2 CLI plugin, served unchanged

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
    # Level 3: Debian's Compose v2 plugin (the hosts' bookworm has only docker-compose 1.29), its .deb
    # downloaded from Debian and served unchanged ("upstream_debs": names in UPSTREAM_DEBS).
    "debian-compose": {
        "layout": "dists",
        "path": "debian-compose",
        "suites": ["bookworm"],
        "components": ["main"],
        "architectures": ["amd64", "arm64"],  # no arm64 .deb here: its index is empty
        "origin": "Debian (simulated-lab mirror of trixie's docker-compose)",
        "label": "debian-compose",
        "keys": {"key.asc": "armor"},  # apt/debian-compose/key.asc
        "upstream_debs": ["docker-compose"],
    },
}

# Upstream .debs served unchanged by the REPOS that name them in "upstream_debs": downloaded once into the lab
# cache (<cache>/downloads/), checked against their size and sha256 on every build.
UPSTREAM_DEBS: dict[str, dict] = {
    "docker-compose": {
        "version": DOCKER_COMPOSE_VERSION,
        "architecture": "amd64",
        "url": ("http://deb.debian.org/debian/pool/main/d/docker-compose/"
                f"docker-compose_{DOCKER_COMPOSE_VERSION}_amd64.deb"),
        "size": 12965524,
        "sha256": "47681197cb2b1ab88206b42a1a92fc75f50d9530a6322d03494a473eed0408ea",
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
# "<registry>/<repository>:<tag>": nvcr.io, ghcr.io and quay.io resolve to the lab registry (/etc/hosts,
# docker's insecure-registries), Docker Hub names reach it through docker's registry-mirrors.
# Every image has the busybox layer; "python": True adds Debian's python3.11 and the stand-in programs
# (simlab/standins/engines/); "site_packages": NAME adds Debian's python3.11, the libraries of its whole stdlib and
# SITE_PACKAGES[NAME] from the wheelhouse instead; "layers" names more of its own (IMAGE_LAYERS). "entrypoint",
# "cmd" (default ["sh"]; [] for none), "env", "working_dir" (default /) and "user" (default root) go into the image
# config. Entries for
# Level 2 follow dgx-spark-playbooks §2.3-2.9 and the engine catalog in roles/inference_engines.py.
IMAGES: list[dict] = [
    {
        "registry": "nvcr.io",
        "repository": "nvidia/pytorch",
        "tag": "25.11-py3",  # dgx-spark-playbooks §7: fine-tune / unsloth / multimodal
        # Level 4: a real CPU PyTorch image: Debian's python3.11 with SITE_PACKAGES["pytorch"] (torch, transformers,
        # peft, ... and pip) from the lab wheelhouse; bash is busybox sh (the playbooks' --entrypoint /usr/bin/bash)
        "site_packages": "pytorch",
        "layers": ["pytorch"],
        "env": ["NVIDIA_PYTORCH_VERSION=25.11", "PYTORCH_VERSION=2.13.0+cpu", "PIP_DISABLE_PIP_VERSION_CHECK=1",
                "PYTHONIOENCODING=utf-8"],
        "working_dir": "/workspace",
    },
    # §7: CUDA base (the Level-1 GPU check) and, under its Docker Hub name below, the base of Level 5's JAX image
    # (levels-3-5.md §5E). The lab registry keeps one repository for both names (the path without the host), so the
    # two entries are one image: Debian's python3.11 with SITE_PACKAGES["jax"] (real CPU jax, marimo, numpy, plotly)
    # from the wheels-jax wheelhouse, which the stand-in Dockerfile's /app venv sees as its system site-packages.
    {
        "registry": "nvcr.io",
        "repository": "nvidia/cuda",
        "tag": "13.0.1-runtime-ubuntu24.04",
        "site_packages": "jax",
        "env": ["CUDA_VERSION=13.0.1"],
    },
    {
        "registry": "docker.io",
        "repository": "nvidia/cuda",
        "tag": "13.0.1-runtime-ubuntu24.04",
        "site_packages": "jax",
        "env": ["CUDA_VERSION=13.0.1"],
    },
    # Level 5 (§5E): the uv the JAX Dockerfile copies (`COPY --from=ghcr.io/astral-sh/uv:latest /uv /uvx /bin/`;
    # roles/jax_lab.py tags the pinned release as latest): the real binaries, from PyPI's uv wheel (linked against
    # glibc, unlike the real image's: they run in the image they are copied into, not in this busybox one).
    {"registry": "ghcr.io", "repository": "astral-sh/uv", "tag": "0.9.2", "layers": ["uv-0.9.2"]},
    {"registry": "nvcr.io", "repository": "nvidia/vllm", "tag": "26.05.post1-py3", "python": True},
    # Level 4 (levels-3-5.md §4.4): NeMo AutoModel needs CUDA; the stand-in is pulled, not trained with.
    {"registry": "nvcr.io", "repository": "nvidia/nemo-automodel", "tag": "26.02"},
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
        "layers": ["llama.cpp"],
        # like the real image: the container's arguments are llama-server's, and it listens on all addresses
        "env": ["LLAMA_ARG_HOST=0.0.0.0"],
        "entrypoint": ["/app/llama-server"],
        "cmd": [],
    },
    # Level 3 (levels-3-5 §3.2 txt2kg, §3.3 multi-agent chatbot): the images of the playbooks' compose files and
    # the base images of their Dockerfiles. Docker Hub's official images are "library/NAME" in the registry
    # (docker pulls them so through its registry-mirrors); quay.io resolves to the lab registry like nvcr.io.
    {
        "registry": "docker.io", "repository": "library/arangodb", "tag": "latest", "python": True,
        "layers": ["arangodb"], "env": ["ARANGO_VERSION=3.12.0-standin"], "cmd": ["arangod"],
    },
    {
        "registry": "docker.io", "repository": "ollama/ollama", "tag": "0.12.6", "python": True,
        "layers": ["ollama-0.12.6"], "env": ["OLLAMA_HOST=0.0.0.0:11434"],
        "entrypoint": ["/bin/ollama"], "cmd": ["serve"],
    },
    {"registry": "docker.io", "repository": "library/node", "tag": "18-slim", "python": True,
     "env": ["NODE_VERSION=18-standin"]},
    {"registry": "docker.io", "repository": "library/node", "tag": "20-alpine", "python": True,
     "env": ["NODE_VERSION=20-standin"]},
    {"registry": "docker.io", "repository": "library/python", "tag": "3.12", "python": True,
     "cmd": ["python3"]},
    {"registry": "docker.io", "repository": "library/python", "tag": "3.9-slim", "python": True,
     "cmd": ["python3"]},
    {"registry": "nvcr.io", "repository": "nvidia/vllm", "tag": "25.11-py3", "python": True},
    {
        "registry": "docker.io", "repository": "library/neo4j", "tag": "5-community", "python": True,
        "layers": ["neo4j"], "cmd": ["neo4j"],
    },
    {
        "registry": "docker.io", "repository": "library/postgres", "tag": "15-alpine", "python": True,
        "layers": ["postgres"], "env": ["PGDATA=/var/lib/postgresql/data"], "cmd": ["postgres"],
    },
    {
        "registry": "quay.io", "repository": "coreos/etcd", "tag": "v3.5.5", "python": True,
        "layers": ["etcd"], "cmd": ["/usr/local/bin/etcd"],
    },
    {
        "registry": "docker.io", "repository": "minio/minio", "tag": "RELEASE.2023-03-20T20-16-18Z", "python": True,
        "layers": ["minio"], "env": ["MINIO_ACCESS_KEY_FILE=access_key", "MINIO_SECRET_KEY_FILE=secret_key"],
        "cmd": ["minio"],
    },
    {
        "registry": "docker.io", "repository": "milvusdb/milvus", "tag": "v2.5.15-20250718-3a3b374f-gpu-arm64",
        "python": True, "layers": ["milvus"], "cmd": [],
    },
    {"registry": "nvcr.io", "repository": "nvidia/tensorrt-llm/release", "tag": "spark-single-gpu-dev",
     "python": True},
    {"registry": "nvcr.io", "repository": "nvidia/cuda", "tag": "13.0.1-devel-ubuntu22.04", "python": True,
     "env": ["CUDA_VERSION=13.0.1"]},
    {"registry": "nvcr.io", "repository": "nvidia/cuda", "tag": "13.0.1-runtime-ubuntu22.04", "python": True,
     "env": ["CUDA_VERSION=13.0.1"]},
    # Level 5 (levels-3-5.md §5D-2, §5D-3): the RAPIDS notebooks image of Portfolio Optimization and single-cell, as
    # rapidsai/docker's Dockerfile (v25.10.00) makes it: user rapids (uid 1001, group conda 1000), home /home/rapids,
    # notebooks in /home/rapids/notebooks, entrypoint.sh, JupyterLab 4. Here real JupyterLab 4.5.5 on Debian's
    # python3.11 (SITE_PACKAGES["rapids-notebooks"]), no conda, no mamba, no RAPIDS, no CUDA; its default command
    # is the real one less `--NotebookApp.token='' --NotebookApp.allow_origin='*'`.
    {
        "registry": "nvcr.io", "repository": "nvidia/rapidsai/notebooks", "tag": "25.10-cuda13-py3.13",
        "site_packages": "rapids-notebooks", "layers": ["rapids-notebooks"], "user": "rapids",
        "working_dir": "/home/rapids", "entrypoint": ["/home/rapids/entrypoint.sh"],
        "cmd": ["jupyter-lab", "--notebook-dir=/home/rapids/notebooks", "--ip=0.0.0.0", "--no-browser"],
        "env": ["RAPIDS_VERSION=25.10", "PIP_DISABLE_PIP_VERSION_CHECK=1"],
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
    # Level 3: the services' programs (linked per image: IMAGE_LAYERS) and curl for the compose healthchecks
    (f"{STANDIN_DIR}/standin_services.py", "engines/standin_services.py", 0o755),
    (f"{STANDIN_DIR}/standin_web.py", "engines/standin_web.py", 0o644),
    ("usr/bin/curl", "engines/curl", 0o755),
]
STANDIN_LINKS: dict[str, str] = {
    **{f"usr/local/bin/{name}": f"/{STANDIN_DIR}/standin_engines.py"
       for name in ("vllm", "trtllm-serve", "llama-server", "hf", "huggingface-cli", "open-webui")},
    "opt/nim/start_server.sh": f"/{STANDIN_DIR}/standin_engines.py",
}

# Extra layers of some "python" images (their "layers"), on top of the stand-in programs: files (path in the
# image, source under simlab/standins/, mode) and links, "@VERSION@" in sources replaced with "version"; "owners":
# (uid, gid) of some of those paths (root's otherwise).
_SERVICES = f"/{STANDIN_DIR}/standin_services.py"
IMAGE_LAYERS: dict[str, dict] = {
    "llama.cpp": {"links": {"app/llama-server": f"/{STANDIN_DIR}/standin_engines.py"}},
    # the CPU PyTorch image: bash (busybox sh) where NGC's image has it, `python`, and its working directory
    "pytorch": {"files": [("bin/bash", "engines/bash", 0o755), ("workspace/.keep", "engines/workspace.keep", 0o644)],
                "links": {"usr/bin/bash": "/bin/bash", "usr/bin/python": "python3"}},
    # Ollama's image: /bin/ollama, its helper in /usr/lib/ollama/ (found from the real path /usr/bin/ollama)
    "ollama-0.12.6": {
        "version": "0.12.6",
        "files": [("usr/bin/ollama", "ollama/ollama", 0o755),
                  ("usr/lib/ollama/standin_server.py", "engines/standin_server.py", 0o644)],
        "links": {"bin/ollama": "/usr/bin/ollama"},
    },
    "arangodb": {"links": {"usr/sbin/arangod": _SERVICES, "usr/bin/arangosh": _SERVICES}},
    "neo4j": {"links": {"usr/local/bin/neo4j": _SERVICES}},
    "postgres": {"links": {"usr/local/bin/postgres": _SERVICES, "usr/local/bin/pg_isready": _SERVICES}},
    "etcd": {"links": {"usr/local/bin/etcd": _SERVICES, "usr/local/bin/etcdctl": _SERVICES}},
    "minio": {"links": {"usr/bin/minio": _SERVICES}},
    "milvus": {"links": {"milvus/bin/milvus": _SERVICES, "usr/local/bin/milvus": _SERVICES}},
    # uv's image: its two binaries at /uv and /uvx, taken from the wheel's scripts ("wheel" in "wheelhouse", an
    # OWN_WHEELHOUSES name; "wheel_files": (path in the image, script in the wheel, mode)).
    "uv-0.9.2": {"wheel": "uv==0.9.2", "wheelhouse": "wheels-jax",
                 "wheel_files": [("uv", "uv", 0o755), ("uvx", "uvx", 0o755)]},
    # the RAPIDS notebooks image: its user and home (owned by rapids, as `useradd -m` makes it), `python`, and the
    # entrypoint that runs the command it is given
    "rapids-notebooks": {
        "files": [("etc/passwd", "rapids-notebooks/passwd", 0o644), ("etc/group", "rapids-notebooks/group", 0o644),
                  ("home/rapids/entrypoint.sh", "rapids-notebooks/entrypoint.sh", 0o755),
                  ("home/rapids/notebooks/STANDIN.md", "rapids-notebooks/STANDIN.md", 0o644)],
        "links": {"usr/bin/python": "python3"},
        "owners": {"home/rapids": (1001, 1000), "home/rapids/entrypoint.sh": (1001, 1000),
                   "home/rapids/notebooks": (1001, 1000), "home/rapids/notebooks/STANDIN.md": (1001, 1000)},
    },
}

# Stand-in files under dest/files/: (path under files/, source under simlab/standins/).
FILES: list[tuple[str, str]] = []

# The multi-agent chatbot's model files (model_download.sh: https://huggingface.co/<org>/<repo>/resolve/main/<file>,
# and the gpt-oss-20b alternative) at files/huggingface/<org>/<repo>/resolve/main/<file>: small GGUF stand-ins
# (http_files.gguf_standin), the same bytes on every build; path under files/ -> sha256, for inventories to pin.
_HF = "huggingface/{}/resolve/main/{}"
GGUF_FILES: dict[str, str] = {
    _HF.format("TheBloke/deepseek-coder-6.7B-instruct-GGUF", "deepseek-coder-6.7b-instruct.Q8_0.gguf"):
        "f456dd2385389ba7327b92839361b9f9e18d5083afe1867c6f3c5c4917018b1d",
    _HF.format("Qwen/Qwen3-Embedding-4B-GGUF", "Qwen3-Embedding-4B-Q8_0.gguf"):
        "ab21c078f0973d8a0923db3e4b94590be9d87bf75c94a9a828c50a051de82401",
    _HF.format("ggml-org/gpt-oss-120b-GGUF", "gpt-oss-120b-mxfp4-00001-of-00003.gguf"):
        "9c186931e72964c12d64166a85ef89b5eb82d9d560a66029c6c755e3988d9d35",
    _HF.format("ggml-org/gpt-oss-120b-GGUF", "gpt-oss-120b-mxfp4-00002-of-00003.gguf"):
        "37ec4f68ece4a1d28562b5e17db14464fb53ce3deb38145361782f56a9571fbb",
    _HF.format("ggml-org/gpt-oss-120b-GGUF", "gpt-oss-120b-mxfp4-00003-of-00003.gguf"):
        "82871f1457d6668157cc051f75b28208d3dce2f73b14f33d57867389693b39dc",
    _HF.format("ggml-org/gpt-oss-20b-GGUF", "gpt-oss-20b-mxfp4.gguf"):
        "4ed8bb903c2afd136e5c0cd34704961fe443a75bb7d21fe99b816926e25c649c",
}

# The ComfyUI lab's SD1.5 checkpoint (the playbook's https://huggingface.co/Comfy-Org/stable-diffusion-v1-5-archive/
# resolve/main/v1-5-pruned-emaonly-fp16.safetensors) at files/huggingface/...: a small safetensors stand-in with no
# tensors (http_files.safetensors_standin), the same bytes on every build; path under files/ -> sha256.
SAFETENSORS_FILES: dict[str, str] = {
    _HF.format("Comfy-Org/stable-diffusion-v1-5-archive", "v1-5-pruned-emaonly-fp16.safetensors"):
        "5d961f999503ab86549c63b65f72fd461ec960a10a75b54a76ed081775bdb2de",
}

# Ollama's release tarball stand-in: files/ollama/v{OLLAMA_VERSION}/ollama-linux-{amd64,arm64}.tgz
# (the same bytes: the stand-in is Python) and sha256sum.txt, like the GitHub release. The tarball is
# reproducible byte for byte: inventories/sim_lab.py pins its sha256.
OLLAMA_VERSION = "0.15.2"
OLLAMA_ARCHES = ("amd64", "arm64")
OLLAMA_FILES: list[tuple[str, str, int]] = [
    ("bin/ollama", "ollama/ollama", 0o755),
    ("lib/ollama/standin_server.py", "engines/standin_server.py", 0o644),
]

# Level 5 (levels-3-5.md §5D-1, roles.rapids): Miniforge's installer stand-in at
# files/miniforge/{MINIFORGE_VERSION}/Miniforge3-{MINIFORGE_VERSION}-Linux-{x86_64,aarch64}.sh (the release's file
# names; the same bytes: the stand-in is a shell script and Python) with a .sha256 beside each, as the release has.
# The installer (simlab/standins/miniforge/installer.sh) writes MINIFORGE_FILES (path under the prefix, source under
# simlab/standins/, mode) and the conda stand-in's configuration: its version and the pip arguments its environments
# install from (the RAPIDS wheelhouse below). Reproducible byte for byte: inventories/sim_lab.py pins its sha256.
MINIFORGE_VERSION = "26.3.2-3"  # roles.rapids' pin
MINIFORGE_ARCHES = ("x86_64", "aarch64")
MINIFORGE_FILES: list[tuple[str, str, int]] = [
    ("bin/conda", "miniforge/conda.py", 0o755),
    ("share/sparklab-standin/cudf/__init__.py", "miniforge/cudf/__init__.py", 0o644),
    ("share/sparklab-standin/cudf/pandas/__init__.py", "miniforge/cudf/pandas/__init__.py", 0o644),
    ("share/sparklab-standin/cuml/__init__.py", "miniforge/cuml/__init__.py", 0o644),
    ("share/sparklab-standin/cuml/accel/__init__.py", "miniforge/cuml/accel/__init__.py", 0o644),
]
MINIFORGE_PIP_ARGS = ["--no-index", "--find-links", f"{MIRROR_URL}/files/wheels-rapids/", "--trusted-host",
                      MIRROR_URL.split("//")[1].split(":")[0]]

# Stand-in git repositories, bare, served over git's dumb HTTP protocol at git/<name>.git: one commit on
# "branch" of every file under simlab/standins/<source>/ (no __pycache__), or of the files of a PyPI "sdist", with a
# fixed author, committer and date, so the commit SHA is the same on every build; inventories/sim_lab.py pins it (a
# unit test keeps it in step).
GIT_REPOS: dict[str, dict] = {
    # https://github.com/NVIDIA/dgx-spark-playbooks at 0db7c141da60870ca6ed5c99436320f4e35cd531 (same paths)
    "NVIDIA/dgx-spark-playbooks": {"source": "playbooks", "branch": "main"},
    # https://github.com/NVIDIA/workbench-example-agentic-rag at b8b36f8db9334e3740b8c5a6a468fd929d65e12d
    "NVIDIA/workbench-example-agentic-rag": {"source": "agentic-rag", "branch": "main"},
    # https://github.com/comfyanonymous/ComfyUI at 4ffea0e864275301329ddb5ecc3fbc7211d7a802 (level 5's ComfyUI lab)
    "comfyanonymous/ComfyUI": {"source": "comfyui", "branch": "master"},
    # Not a stand-in: the real LLaMA-Factory v0.9.5 source (https://github.com/hiyouga/LLaMA-Factory at
    # 7af909522a951e3ad9f022ea6f88b6755257eaa5), from its PyPI sdist (the repository's files less the sdist's
    # PKG-INFO), downloaded once into <cache>/downloads/ and checked against its sha256.
    "hiyouga/LLaMA-Factory": {"sdist": {"requirement": "llamafactory==0.9.5", "file": "llamafactory-0.9.5.tar.gz",
                                        "sha256": "1702c0bfb864e80577a59521d2edcacd2aab05ec6aee06188fcba335a589681f"},
                              "branch": "main"},
}
GIT_IDENTITY = {"name": "Sparklab simulated lab", "email": "lab@sparklab.invalid", "date": "2025-01-01T00:00:00Z"}

# Python packages the hosts install with pip (they cannot reach PyPI): downloaded here once into
# a wheelhouse served at files/wheels/ (`pip install --no-index --find-links <mirror>/files/wheels/`).
# The lab hosts run Debian bookworm's CPython 3.11.2 on x86_64: wheels are chosen for exactly that.
# Level 4 (fine-tuning): transformers, peft, accelerate, datasets and their dependencies (huggingface_hub with the
# `hf` CLI, tokenizers, safetensors, pyarrow, pandas, ...), pip itself, and DeepSpeed, which PyPI has only as an
# sdist: SDIST_WHEELS are built here into wheels against CPU torch (BUILD_REQUIRES from the wheelhouse).
# Level 5: Live VLM WebUI, the real app (roles.live_vlm's pin; pipx installs it from here), with its closure
# (aiortc, av, opencv-python, openai, ...): the same versions as its own resolution, ~145 MB.
WHEELS: list[str] = ["jupyterlab==4.5.5", "torch==2.13.0", "numpy==2.4.6", "nvidia-ml-py==13.615.71",
                     "transformers==5.24.0", "peft==0.21.2", "accelerate==1.15.0", "datasets==5.2.0", "pip==26.3",
                     "deepspeed==0.19.8", "live-vlm-webui==0.4.0"]
SDIST_WHEELS: dict[str, list[str]] = {"deepspeed==0.19.8": ["torch==2.13.0", "numpy==2.4.6", "setuptools",
                                                            "packaging"]}
# Installed by the roles with --no-deps, as the Unsloth playbook does (roles.unsloth's pins): served, not resolved.
NO_DEPS_WHEELS: list[str] = ["unsloth==2025.12.5", "unsloth_zoo==2025.12.4", "bitsandbytes==0.48.2"]
HOST_PYTHON = "3.11.2"
# Wheelhouses of their own, each one pip resolution apart from WHEELS, served at files/<name>/ and cached apart
# (<cache>/wheels/<name>-<key>/). "wheels-llama-factory": LLaMA Factory's set (roles.llama_factory, lab 4.3): its
# pyproject caps transformers (<=5.6), datasets (<=4.0), peft (<=0.18.1), accelerate, trl and gradio below the
# wheelhouse's versions, and it imports torchaudio, whose last release (2.11) pins torch 2.11: PyPI's torch 2.11
# is its CUDA build (with the nvidia-* wheels, ~3.5 GB), which runs on CPU; no CPU build of 2.11 is reachable here.
# hatchling is LLaMA-Factory's build backend: the editable install builds with it (and editables, which hatchling
# asks for to build editable), isolated, from this wheelhouse.
LLAMA_FACTORY_VERSION = "0.9.5"
LLAMA_FACTORY_TORCH = ["torch==2.11.0", "torchvision==0.26.0", "torchaudio==2.11.0"]  # roles.llama_factory's pins
# "wheels-jax": the JAX playbook's Dockerfile pins (less opencv-python-headless, 55 MB, which only one notebook cell
# imports) with CPU jaxlib, for the JAX image's base (SITE_PACKAGES["jax"]), and uv for its uv image (~200 MB; the
# hosts install none of it).
JAX_PINS = ["jax==0.7.2", "marimo==0.16.5", "numpy==2.3.3", "plotly==6.3.0", "tqdm==4.67.1"]
# "wheels-rapids" (level 5, data science): every package pinned, so that the stand-in Portfolio project's uv.lock
# (simlab/standins/playbooks/nvidia/portfolio-optimization/assets/setup/, locked against this wheelhouse) always
# matches it: the real uv.lock's versions (Python >= 3.11) of cufolio's numpy, pandas, scikit-learn and of its dev
# group's ipykernel, with their dependencies; setuptools and wheel (cufolio's build backend, for the editable
# install); uv (roles.rapids_notebooks' pin). The conda stand-in's environments (pandas, scikit-learn) and
# single-cell's stand-in requirements install from it too.
UV_VERSION = "0.13.9"  # roles.rapids_notebooks' rapids_notebooks_uv_version
RAPIDS_WHEELS = [
    "numpy==2.2.6", "pandas==2.3.2", "scikit-learn==1.7.1", "scipy==1.16.3", "joblib==1.5.2", "threadpoolctl==3.6.0",
    "python-dateutil==2.9.0.post0", "pytz==2025.2", "tzdata==2025.2", "six==1.17.0",
    "ipykernel==7.1.0", "comm==0.2.3", "debugpy==1.8.17", "ipython==9.7.0", "ipython-pygments-lexers==1.1.1",
    "jupyter-client==8.6.3", "jupyter-core==5.9.1", "matplotlib-inline==0.2.1", "nest-asyncio==1.6.0",
    "packaging==25.0", "psutil==7.1.3", "pyzmq==27.1.0", "tornado==6.5.2", "traitlets==5.14.3", "decorator==5.2.1",
    "jedi==0.19.2", "parso==0.8.5", "pexpect==4.9.0", "ptyprocess==0.7.0", "prompt-toolkit==3.0.52",
    "wcwidth==0.2.14", "pygments==2.19.2", "stack-data==0.6.3", "executing==2.2.1", "asttokens==3.0.1",
    "pure-eval==0.2.3", "typing-extensions==4.15.0", "platformdirs==4.5.0",
    "setuptools==80.9.0", "wheel==0.45.1", f"uv=={UV_VERSION}",
]
OWN_WHEELHOUSES: dict[str, list[str]] = {
    "wheels-llama-factory": [f"llamafactory[metrics]=={LLAMA_FACTORY_VERSION}", *LLAMA_FACTORY_TORCH, "hatchling",
                             "editables"],
    "wheels-jax": [*JAX_PINS, "uv==0.9.2"],
    "wheels-rapids": RAPIDS_WHEELS,
}
# Site-packages layers of images (IMAGES "site_packages"): these and their dependencies, resolved from the wheelhouse.
SITE_PACKAGES: dict[str, list[str]] = {
    "pytorch": ["pip==26.3", "setuptools", "torch==2.13.0", "numpy==2.4.6", "transformers==5.24.0", "peft==0.21.2",
                "accelerate==1.15.0", "datasets==5.2.0"],
    "jax": JAX_PINS,
    # the RAPIDS notebooks image: JupyterLab (level 1's pin) with its ipykernel, and pip
    "rapids-notebooks": ["pip==26.3", "jupyterlab==4.5.5"],
}
# Site-packages resolved from one of OWN_WHEELHOUSES instead of the lab wheelhouse.
SITE_PACKAGES_WHEELHOUSE: dict[str, str] = {"jax": "wheels-jax"}

# The stand-in Hugging Face Hub (simlab.hf_hub on docs/lab-contract.md's port): `HF_ENDPOINT=HF_HUB_URL` makes
# huggingface_hub, the `hf` CLI, transformers and datasets download from it. Repository -> {"type": "model" or
# "dataset", "content" (simlab/mirror/hf_repos.py), "seed" (weights), "gated": a token `hf_...` is needed}.
HF_HUB_URL = "http://10.99.0.1:8081"
HF_REPOS: dict[str, dict] = {
    "nvidia-lab/Llama-3.2-tiny-Instruct": {"type": "model", "content": "tiny-llama", "seed": 3211},
    "meta-llama-lab/Llama-3.2-tiny-Instruct": {"type": "model", "content": "tiny-llama", "seed": 3211,
                                               "gated": True, "license": "llama3.2"},
    "nvidia-lab/alpaca-tiny": {"type": "dataset", "content": "alpaca", "license": "cc-by-nc-4.0"},
    "nvidia-lab/OIG-tiny": {"type": "dataset", "content": "unified_chip2", "license": "apache-2.0"},
}
