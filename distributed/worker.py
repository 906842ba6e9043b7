"""One rank: ``python -m distributed.worker {collectives,train} …``, started by torchrun or mpirun."""

import argparse
import os
import sys

from distributed import collectives
from distributed.launch import rank_env
from distributed.options import add_options
from distributed.train import train_loop


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m distributed.worker")
    commands = parser.add_subparsers(dest="command", required=True)
    for command in ("collectives", "train"):
        add_options(commands.add_parser(command), command)
    args = parser.parse_args(argv)
    body = {"collectives": collectives.run, "train": train_loop.run}[args.command]
    return rank_env.run_reporting_errors(lambda: body(args))


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Skip interpreter teardown: torch's C++ destructors at exit sometimes abort ("terminate called without
    # an active exception", seen ~1 run in 8 with gloo) after all the work is done and reported.
    os._exit(status)
