"""What the lab's command-line tools share (``python -m distributed``, ``python -m engines``): the exit codes,
the usage error, the inventory loaded in a child process, a free port.

Exit status as NVIDIA's deepops validation scripts: 0 pass, 1 fail, 2 usage or environment error.

The inventory is loaded in a child process (``python -m MODULE FILE`` prints its hosts as JSON, see
:func:`serve_inventory_hosts`): pyinfra's CLI package monkey-patches the whole interpreter with gevent on import,
and the tools' threads, subprocesses and SSH sessions should not run under that.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

PASS, FAIL, USAGE = 0, 1, 2
REPO = Path(__file__).resolve().parent.parent
_ERROR_MARK = "@@inventory-error@@ "


class UsageError(Exception):
    """A problem with the command line, the inventory or the environment: exit status 2."""


def load_inventory_hosts(module: str, path: str, timeout: float = 120) -> Any:
    """What ``python -m MODULE PATH`` prints (JSON), run from the repository; UsageError when it cannot."""
    if not Path(path).is_file():  # pyinfra would take a missing file's name for a host name
        raise UsageError(f"no inventory file {path}")
    try:
        loaded = subprocess.run([sys.executable, "-m", module, str(Path(path).resolve())],
                                cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise UsageError(f"loading {path} took more than {timeout:g} s") from None
    if loaded.returncode != 0:
        _, marked, message = loaded.stderr.partition(_ERROR_MARK)
        raise UsageError(message.strip() if marked else f"cannot load {path}: {loaded.stderr.strip()}")
    return json.loads(loaded.stdout)


def serve_inventory_hosts(hosts_of: Callable[[Any], Any], argv: list[str] | None = None) -> None:
    """The child's side: print ``hosts_of(lab)`` as JSON for the inventory file in ``argv``, or exit with the
    error marked for :func:`load_inventory_hosts`."""
    from sparklab.inventory import load_lab

    path = (argv or sys.argv)[1]
    try:
        print(json.dumps(hosts_of(load_lab(path))))
    except Exception as error:  # noqa: BLE001 - InventoryError (ours or pyinfra's): its message names host and field
        sys.exit(f"{_ERROR_MARK}{error}")


def free_port() -> int:
    """A TCP port free on this machine now (the kernel's pick)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
