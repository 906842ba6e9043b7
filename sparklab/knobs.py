"""Role knobs: every role declares its defaults in a module-level ``DEFAULTS`` dict.

Inventory data may override any of them; this module is the one place that knows them all,
so the inventory model can refuse a misspelt or mistyped knob before pyinfra connects.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any

import roles


@cache
def all_defaults() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for module in pkgutil.iter_modules(roles.__path__):
        defaults = getattr(importlib.import_module(f"roles.{module.name}"), "DEFAULTS", {})
        for key, value in defaults.items():
            if key in merged:
                raise RuntimeError(f"role knob {key} is declared twice (roles.{module.name})")
            merged[key] = value
    return merged


def check(key: str, value: Any) -> str | None:
    """None when ``key`` is a known knob and ``value`` has its default's type, else the problem."""
    defaults = all_defaults()
    if key not in defaults:
        return "unknown key (not a role knob, secret, or pyinfra setting)"
    default = defaults[key]
    if default is None or value is None:
        return None
    expected = float if isinstance(default, float) else type(default)
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return None
    if type(value) is not expected and not (expected is not bool and isinstance(value, expected)):
        return f"expected {expected.__name__}, got {type(value).__name__} ({value!r})"
    return None


def value(key: str) -> Any:
    """A knob of another role, for the host being deployed: its data, else that role's default."""
    from pyinfra import host

    return host.data.get(key, all_defaults()[key])
