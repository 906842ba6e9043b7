"""Role knobs: every role declares its defaults in a module-level ``DEFAULTS`` dict.

The library never imports the roles: whoever validates an inventory (``group_data/all.py``, a plan
test) hands over the roles' merged defaults (``roles.knob_defaults()``), and this module checks
inventory data against them, so a misspelt or mistyped knob is refused before pyinfra connects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def check(defaults: Mapping[str, Any], key: str, value: Any) -> str | None:
    """None when ``key`` is a known knob and ``value`` has its default's type, else the problem."""
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
