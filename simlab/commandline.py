"""python -m simlab up [--topology SPEC | --hosts N] | rebuild HOST | down [--purge] | status
                  | inventory [--topology SPEC | --hosts N] | deps"""
from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
from pathlib import Path

from . import config, lifecycle, render

REPO_INVENTORY = Path(__file__).resolve().parent.parent / "inventories" / "sim_lab.py"


def inventory_text(spec: str, paths: config.Paths, base: Path = REPO_INVENTORY) -> str:
    """The inventory of a lab in topology ``spec``: the group data of inventories/sim_lab.py (when present), the
    hosts with their QSFP interfaces and clusters, and the ssh paths of this lab's state directory."""
    layout = config.layout(spec)
    text = render.inventory(layout, paths.state)
    try:
        tree = ast.parse(base.read_text())
        value = next(ast.literal_eval(node.value) for node in tree.body
                     if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "sim_sparks")
        extra = value[1]
    except (OSError, SyntaxError, ValueError, StopIteration, IndexError, TypeError):
        return text
    host_list, group = render.inventory_data(layout, paths.state)
    merged = {**extra, **{k: v for k, v in group.items()}}
    return render.inventory_from_data(host_list, merged, spec)


def _topology_options(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--topology", help=f"{config.TOPOLOGY_HELP}; default switch:$SIM_HOSTS or "
                       f"switch:{config.DEFAULT_HOSTS}")
    which.add_argument("--hosts", type=int, default=None, help="N hosts on one QSFP bridge (switch:N)")


def _spec(args) -> str:
    spec = args.topology or f"switch:{args.hosts or config.default_host_count()}"
    config.layout(spec)  # a bad spec is a usage error before anything starts
    return spec


def deps(extra: list[str]) -> int:
    """Install the VM-side tools (and ``extra`` packages) from Debian without letting their services start."""
    policy = Path("/usr/sbin/policy-rc.d")
    made = False
    if not policy.exists():
        policy.write_text("#!/bin/sh\n# simlab deps: do not start packaged services\nexit 101\n")
        policy.chmod(0o755)
        made = True
    try:
        subprocess.run(["apt-get", "update", "-q"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *lifecycle.DEBIAN_PACKAGES,
                        *extra], check=True, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    finally:
        if made:
            policy.unlink()
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m simlab", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="bring the lab up (no-op when it already runs in the same topology)")
    _topology_options(up)
    up.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for the hosts (180)")
    rebuild = sub.add_parser("rebuild", help="re-image one host: fresh root filesystem, new SSH host keys")
    rebuild.add_argument("host", help="e.g. spark-sim-2")
    rebuild.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for the host (180)")
    down = sub.add_parser("down", help="stop and remove the hosts, links and services (keeps the cache)")
    down.add_argument("--purge", action="store_true", help="also remove the whole state directory "
                      "(ssh key, extracted rootfs, mirror)")
    sub.add_parser("status", help="show bridges, services and hosts; exit 0 only when all are up")
    inv = sub.add_parser("inventory", help="print the pyinfra inventory of a topology")
    _topology_options(inv)
    dep = sub.add_parser("deps", help="apt-get install the VM-side tools simlab needs (and PACKAGES)")
    dep.add_argument("packages", nargs="*", help="more Debian packages to install the same way")
    args = p.parse_args(argv)
    paths = config.Paths.from_env()
    try:
        if args.cmd == "up":
            print(lifecycle.up(_spec(args), args.timeout, paths))
        elif args.cmd == "rebuild":
            print(lifecycle.rebuild(args.host, args.timeout, paths))
        elif args.cmd == "down":
            lifecycle.down(args.purge, paths)
        elif args.cmd == "status":
            ok, text = lifecycle.status(paths)
            print(text)
            return 0 if ok else 3
        elif args.cmd == "inventory":
            sys.stdout.write(inventory_text(_spec(args), paths))
        elif args.cmd == "deps":
            return deps(args.packages)
    except (RuntimeError, ValueError, subprocess.CalledProcessError) as e:
        print(f"simlab {args.cmd}: error: {e}", file=sys.stderr)
        return 1
    return 0
