# pyinfra runs this file while it loads any inventory, before connecting to a host:
# a broken inventory stops here, with a message naming the host and the field. The validated
# lab is kept for the run (sparklab.inventory.current_lab), so nothing validates it again.
from pyinfra.api.exceptions import InventoryError as _PyinfraInventoryError
from pyinfra.context import inventory as _inventory

from roles import knob_defaults as _knob_defaults
from sparklab.inventory import InventoryError as _InventoryError
from sparklab.inventory import validate_inventory as _validate

try:
    _validate(_inventory, _knob_defaults())
except _InventoryError as _error:
    raise _PyinfraInventoryError(str(_error)) from None

__all__: list[str] = []
