"""`python -m sparklab.workload_inventory FILE`: each host of a validated inventory with its SSH settings and its
workloads, as JSON, for `python -m sparklab.labs` (run in a child process: see sparklab.toolcli)."""

from sparklab.toolcli import serve_inventory_hosts
from sparklab.workload_plan import workloads_of
from sparklab.workloads import to_json


def hosts_of(lab) -> list[dict]:
    return [{"name": h.name, "ssh": h.ssh, "workloads": [to_json(w) for w in workloads_of(h.setting)]}
            for h in lab.hosts]


if __name__ == "__main__":
    serve_inventory_hosts(hosts_of)
