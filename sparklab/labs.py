"""Switch a Spark between labs: `python -m sparklab.labs --inventory FILE [--host NAME] start|stop|status`.

    start NAME   stop the heavy workloads NAME conflicts with, start it, wait for its health routes, and print
                 its URLs with the `ssh -L` line a laptop needs (the labs listen on the Spark's loopback)
    stop NAME    stop it and bring back the workloads that start at boot
    status       per host: what runs, on which ports, and the GPU memory in use where NVML reports it

NAME is a workload of the inventory: an engine instance (vllm, trtllm, …) or a lab (txt2kg, chatbot,
agentic-rag). Exit status: 0 done, 1 a workload did not become healthy, 2 usage, inventory or SSH error.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor

from sparklab import lab_switch
from sparklab.remote import Remote, only
from sparklab.toolcli import FAIL, PASS, USAGE, UsageError, load_inventory_hosts
from sparklab.workloads import Workload, from_json

# What NVML says about GPU memory; DGX Spark's unified memory has no per-GPU total, so the processes' sum is used.
GPU_MEMORY = "nvidia-smi --query-compute-apps=used_memory --format=csv,noheader,nounits"


class Host(Remote):
    """An inventory host and its workloads."""

    def __init__(self, data: dict):
        super().__init__(data)
        self.workloads = [from_json(w) for w in data["workloads"]]

    def workload(self, name: str) -> Workload:
        for w in self.workloads:
            if w.name == name:
                return w
        raise UsageError(f"{self.name}: no workload {name!r}; known: {', '.join(w.name for w in self.workloads)}")


def _start(host: Host, name: str, timeout: float) -> tuple[bool, list[str]]:
    workload = host.workload(name)
    switch = lab_switch.start(host.run, workload, host.workloads, timeout)
    lines = [f"{host.name}: stopped {', '.join(switch.stopped)} (one heavy workload at a time)"
             ] if switch.stopped else []
    if not switch.ok:
        return False, [*lines, f"{host.name}: {name} is NOT healthy:", *(f"  {p}" for p in switch.problems)]
    lines.append(f"{host.name}: {name} is up")
    lines += [f"  {route.label or route.path}: {route.url}" for route in workload.health]
    lines.append(f"  from a laptop: {lab_switch.tunnel_line(workload, host.target)}")
    return True, lines


def _stop(host: Host, name: str, timeout: float) -> tuple[bool, list[str]]:
    switch = lab_switch.stop(host.run, host.workload(name), host.workloads, timeout)
    lines = [f"{host.name}: {name} stopped" if name in switch.stopped else f"{host.name}: {name} NOT stopped"]
    if switch.started:
        lines.append(f"{host.name}: started again at boot's request: {', '.join(switch.started)}")
    return switch.ok, [*lines, *(f"  {p}" for p in switch.problems)]


def _status(host: Host) -> tuple[bool, list[str]]:
    lines = [f"{host.name}:"]
    for w in host.workloads:
        state = lab_switch.unit_state(host.run, w.unit) if w.unit else "(DGX OS)"
        ports = ", ".join(f"{p} {what}" for p, what in sorted(w.ports.items()))
        kind = ("heavy, " if w.heavy else "") + ("boot" if w.boot else "on demand")
        lines.append(f"  {w.name:<16} {state:<10} {kind:<17} {ports}")
    status, output = host.run(GPU_MEMORY)
    used = [int(v) for v in output.split() if v.isdigit()]
    lines.append(f"  GPU memory in use: {sum(used)} MiB" if status == 0 else "  GPU memory in use: n/a (no NVML here)")
    return True, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sparklab.labs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--inventory", required=True, help="pyinfra inventory file (e.g. inventories/one_spark.py)")
    parser.add_argument("--host", action="append", help="only this host (repeatable; default: all)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for health routes (900)")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in ("start", "stop"):
        sub.add_parser(command).add_argument("name", help="workload: an engine or a lab (txt2kg, chatbot, …)")
    sub.add_parser("status")
    args = parser.parse_args(argv)
    try:
        loaded = [Host(h) for h in load_inventory_hosts("sparklab.workload_inventory", args.inventory)]
        hosts = only(loaded, args.host, args.inventory)
        if args.command != "status":
            for h in hosts:
                h.workload(args.name)
        action = {"start": lambda h: _start(h, args.name, args.timeout), "stop": lambda h: _stop(h, args.name,
                  args.timeout), "status": _status}[args.command]
        with ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
            results = list(pool.map(action, hosts))
    except UsageError as error:
        print(f"labs: {error}", file=sys.stderr)
        return USAGE
    for _, lines in results:
        print("\n".join(lines))
    return PASS if all(ok for ok, _ in results) else FAIL


if __name__ == "__main__":
    sys.exit(main())
