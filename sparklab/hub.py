"""The Hugging Face Hub as the lab reaches it, for the roles, `distributed` and `sparklab.finetune` alike (no
pyinfra here: the tools import it too)."""

from __future__ import annotations

from collections.abc import Callable


def hub_env(setting: Callable[[str], object]) -> dict[str, str]:
    """Environment every Hub client of the lab gets (environments, `distributed` ranks, the short fine-tunes):
    ``hf_env``, and ``HF_ENDPOINT`` when ``hf_endpoint`` names a mirror."""
    env = dict(setting("hf_env") or {})
    if setting("hf_endpoint"):
        env["HF_ENDPOINT"] = setting("hf_endpoint")
    return env


def is_path(name: str) -> bool:
    """Whether a model or dataset name is a path on the Spark rather than a Hub repo (``org/name``)."""
    return name.startswith(("/", "~", "."))
