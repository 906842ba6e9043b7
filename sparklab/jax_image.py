"""Lab 5E's image, `jax-on-spark`, as data shared by roles/jax_lab.py (which builds and runs it) and the level-5
checkpoint (which asks it for `jax.devices()`): its tag, the base images the playbook's Dockerfile names, and the
Python of the venv that Dockerfile makes.

The Dockerfile (nvidia/jax/assets/Dockerfile in the pinned playbooks checkout) says `FROM
nvidia/cuda:13.0.1-runtime-ubuntu24.04` (Docker Hub) and `COPY --from=ghcr.io/astral-sh/uv:latest`. Both names are
pulled by a pinned reference (a digest where the data gives one) and tagged under the name the Dockerfile uses before
it is built, so the build finds them locally and never pulls `:latest` (see roles/jax_lab.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from shlex import quote
from typing import Any

Setting = Callable[[str], Any]

NAME = "jax-on-spark"
# What the Dockerfile names; the pinned images are tagged so before the build.
DOCKERFILE_BASE = "nvidia/cuda:13.0.1-runtime-ubuntu24.04"
DOCKERFILE_UV = "ghcr.io/astral-sh/uv:latest"
# The venv the Dockerfile makes in /app (`uv init && uv venv`): what `uv run` would run, without its lock and sync.
PYTHON = "/app/.venv/bin/python"


def pinned(image: str, digest: str | None) -> str:
    """The reference to pull: ``name@digest`` when a digest is given (the tag is then only a label), else ``image``."""
    if not digest:
        return image
    name = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
    return f"{name}@{digest}"


def sources(setting: Setting) -> dict[str, str]:
    """The name the Dockerfile uses -> the pinned reference the deploy pulls for it."""
    return {DOCKERFILE_BASE: pinned(setting("jax_base_image"), setting("jax_base_digest")),
            DOCKERFILE_UV: pinned(setting("jax_uv_image"), setting("jax_uv_digest"))}


def image_tag(setting: Setting) -> str:
    """`jax-on-spark:<digest of its inputs>`: the playbooks commit (Dockerfile and notebooks) and the pinned bases,
    so a new pin is a new image, built once, and an unchanged one is never rebuilt."""
    inputs = "\n".join([setting("playbooks_commit"), *(f"{k}={v}" for k, v in sorted(sources(setting).items()))])
    return f"{NAME}:{hashlib.sha256(inputs.encode()).hexdigest()[:12]}"


def devices_command(setting: Setting) -> str:
    """The shell command printing `jax.devices()` in the image, with the lab's docker flags (`--gpus all` on a
    Spark): a CUDA device there, `CpuDevice` where JAX fell back to the CPU (the playbook's troubleshooting row)."""
    args = [*setting("jax_docker_args"), image_tag(setting), PYTHON, "-c", "import jax; print(jax.devices())"]
    return " ".join(["docker", "run", "--rm", "--pull", "never", *(quote(str(a)) for a in args)])
