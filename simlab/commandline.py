"""python -m simlab up [--hosts N] | down [--purge] | status | inventory [--hosts N] | deps"""
from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
from pathlib import Path

from . import config, lifecycle, render

REPO_INVENTORY = Path(__file__).resolve().parent.parent / "inventories" / "sim_lab.py"


def inventory_text(n: int, paths: config.Paths, base: Path = REPO_INVENTORY) -> str:
    """An N-host inventory: the group data of inventories/sim_lab.py (when present), N hosts,
    and the ssh paths of this lab's state directory."""
    text = render.inventory(config.hosts(n), paths.state)
    try:
        tree = ast.parse(base.read_text())
        value = next(ast.literal_eval(node.value) for node in tree.body
                     if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "sim_sparks")
        extra = value[1]
    except (OSError, SyntaxError, ValueError, StopIteration, IndexError, TypeError):
        return text
    host_list, group = render.inventory_data(config.hosts(n), paths.state)
    merged = {**extra, **{k: v for k, v in group.items()}}
    return render.inventory_from_data(host_list, merged, n)


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
    up = sub.add_parser("up", help="bring the lab up (no-op when it already runs with the same hosts)")
    up.add_argument("--hosts", type=int, default=None, help=f"number of hosts (default $SIM_HOSTS or "
                    f"{config.DEFAULT_HOSTS})")
    up.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for the hosts (180)")
    down = sub.add_parser("down", help="stop and remove the hosts, links and services (keeps the cache)")
    down.add_argument("--purge", action="store_true", help="also remove the whole state directory "
                      "(ssh key, extracted rootfs, mirror)")
    sub.add_parser("status", help="show bridges, services and hosts; exit 0 only when all are up")
    inv = sub.add_parser("inventory", help="print a pyinfra inventory for N hosts")
    inv.add_argument("--hosts", type=int, default=None)
    dep = sub.add_parser("deps", help="apt-get install the VM-side tools simlab needs (and PACKAGES)")
    dep.add_argument("packages", nargs="*", help="more Debian packages to install the same way")
    args = p.parse_args(argv)
    paths = config.Paths.from_env()
    try:
        if args.cmd == "up":
            print(lifecycle.up(args.hosts or config.default_host_count(), args.timeout, paths))
        elif args.cmd == "down":
            lifecycle.down(args.purge, paths)
        elif args.cmd == "status":
            ok, text = lifecycle.status(paths)
            print(text)
            return 0 if ok else 3
        elif args.cmd == "inventory":
            sys.stdout.write(inventory_text(args.hosts or config.default_host_count(), paths))
        elif args.cmd == "deps":
            return deps(args.packages)
    except (RuntimeError, ValueError, subprocess.CalledProcessError) as e:
        print(f"simlab {args.cmd}: error: {e}", file=sys.stderr)
        return 1
    return 0
