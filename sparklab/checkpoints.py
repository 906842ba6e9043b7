"""Shared by the checkpoint runner and its items: how an item says it does not apply to a host."""

import pytest

NOT_APPLICABLE = "not applicable: "


def not_applicable(reason: str):
    """Mark the running checkpoint item as not applying to this host, with the reason (never a pass)."""
    pytest.skip(NOT_APPLICABLE + reason)
