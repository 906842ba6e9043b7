"""The engines an inventory enables, host by host, as plain data.

The inventory is loaded in a child process (``python -m engines.inventory FILE`` prints its hosts as JSON), as
``distributed.cluster`` does: pyinfra's CLI package monkey-patches the whole interpreter with gevent on import.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from engines.targets import UsageError

REPO = Path(__file__).resolve().parent.parent
_ERROR_MARK = "@@inventory-error@@ "
ENDPOINT_FIELDS = ("name", "api", "port", "model", "health")


def hosts_of(lab) -> list[dict]:
    """``[{"name", "address", "endpoints": [{name, api, port, model, health}]}]`` of a validated lab."""
    from sparklab.engine_instances import endpoints  # the lab's own engine plan (roles.inference_engines knobs)

    hosts = []
    for host in lab.hosts:
        try:
            found = endpoints(host)
        except ValueError as error:
            raise UsageError(f"host {host.name}: {error}") from None
        hosts.append({"name": host.name, "address": host.ssh["ssh_hostname"],
                      "endpoints": [{field: getattr(e, field) for field in ENDPOINT_FIELDS} for e in found]})
    return hosts


def load_hosts(path: str, timeout: float = 120) -> list[dict]:
    if not Path(path).is_file():  # pyinfra would take a missing file's name for a host name
        raise UsageError(f"no inventory file {path}")
    try:
        loaded = subprocess.run([sys.executable, "-m", "engines.inventory", str(Path(path).resolve())],
                                cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise UsageError(f"loading {path} took more than {timeout:g} s") from None
    if loaded.returncode != 0:
        _, marked, message = loaded.stderr.partition(_ERROR_MARK)
        raise UsageError(message.strip() if marked else f"cannot load {path}: {loaded.stderr.strip()}")
    return json.loads(loaded.stdout)


if __name__ == "__main__":
    from sparklab.inventory import load_lab

    try:
        print(json.dumps(hosts_of(load_lab(sys.argv[1]))))
    except Exception as error:  # noqa: BLE001 - InventoryError (ours or pyinfra's), a bad engines setting
        sys.exit(f"{_ERROR_MARK}{error}")
