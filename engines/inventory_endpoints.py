"""The engines an inventory enables, host by host, as plain data.

The inventory is loaded in a child process (``python -m engines.inventory_endpoints FILE`` prints its hosts as
JSON, see ``sparklab.toolcli``): pyinfra's CLI package monkey-patches the whole interpreter with gevent on import.
"""

from __future__ import annotations

from sparklab.toolcli import UsageError, load_inventory_hosts, serve_inventory_hosts

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
    return load_inventory_hosts("engines.inventory_endpoints", path, timeout)


if __name__ == "__main__":
    serve_inventory_hosts(hosts_of)
