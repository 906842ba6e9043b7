"""``python3 -m simlab.mirror build DEST [--base-url URL]`` / ``push HOST:PORT``: what ``simlab up`` does
with the mirror, one piece at a time."""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import simlab.mirror
from simlab.mirror.catalog import MIRROR_URL
from simlab.mirror.registry_push import push_all
from simlab.mirror.served_tree import build


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python3 -m simlab.mirror", description=simlab.mirror.__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build the mirror content in DEST")
    b.add_argument("dest", type=Path)
    b.add_argument("--base-url", default=MIRROR_URL)
    p = sub.add_parser("push", help="push stand-in images to REGISTRY (host:port)")
    p.add_argument("registry")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    if args.cmd == "build":
        build(args.dest, base_url=args.base_url)
    else:
        print(json.dumps(push_all(args.registry)))
    return 0


raise SystemExit(main())
