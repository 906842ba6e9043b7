"""Shared by the checkpoint runner and its items: how an item says it does not apply to a host."""

import pytest

NOT_APPLICABLE = "not applicable: "


def not_applicable(reason: str):
    """Mark the running checkpoint item as not applying to this host, with the reason (never a pass)."""
    pytest.skip(NOT_APPLICABLE + reason)


def has_gpu(host) -> bool:
    """Whether a testinfra host has an NVIDIA GPU that its driver sees."""
    return host.exists("nvidia-smi") and host.run("nvidia-smi -L").rc == 0
