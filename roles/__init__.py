"""One pyinfra ``@deploy`` per component; each module declares its knobs in ``DEFAULTS``.

:func:`knob_defaults` is the registry of all of them, handed to the inventory model by whoever
validates an inventory (the library itself never imports the roles).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any


@cache
def knob_defaults() -> dict[str, Any]:
    """Every role's ``DEFAULTS``, merged; a knob declared by two roles is a bug."""
    merged: dict[str, Any] = {}
    for module in pkgutil.iter_modules(__path__):
        defaults = getattr(importlib.import_module(f"{__name__}.{module.name}"), "DEFAULTS", {})
        for key, value in defaults.items():
            if key in merged:
                raise RuntimeError(f"role knob {key} is declared twice (roles.{module.name})")
            merged[key] = value
    return merged


def knob(key: str) -> Any:
    """A knob of any role, for the host being deployed: its data, else that role's default."""
    from pyinfra import host

    return host.data.get(key, knob_defaults()[key])
