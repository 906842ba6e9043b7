"""How long a rerun that changes nothing takes, next to plain pyinfra doing as many trivial operations.

    python bench/noop_rerun.py [--inventory inventories/sim_lab.py] [--deploy deploys/levelN.py]
        [--runs 3] [--goal-seconds 12] [--goal-ratio 2.0] [--json FILE]

On the simulated lab the secrets not set in the environment are the lab's stand-ins, as in `make demo`.

1. converges the hosts (one run, a second if the first changed something: the bench times no-op runs only);
2. times ``--runs`` no-op runs of the deploy (default: the highest level), each checked to change nothing;
3. times as many runs of a generated deploy of plain ``files.directory`` operations on the same hosts,
   as many per host as the deploy has;
4. prints both medians and their ratio. Exit 0: both goals met, 1: a goal missed, 2: could not measure.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sparklab import runner  # noqa: E402
from sparklab.demo import highest_level, stand_in_secrets  # noqa: E402
from sparklab.inventory import load_lab  # noqa: E402

TRIVIAL = '''"""Plain pyinfra: {n} no-op operations (bench/noop_rerun.py)."""
from pyinfra.operations import files

for i in range({n}):
    files.directory(name=f"trivial {{i}}", path="/tmp")
'''


def timed(inventory: str, deploy_file: str) -> tuple[float, runner.DeployRun]:
    start = time.monotonic()
    run = runner.deploy(inventory, deploy_file)
    return time.monotonic() - start, run


def no_op_seconds(inventory: str, deploy_file: str, runs: int) -> tuple[list[float], int]:
    """Seconds of each no-op run and the operations each host ran; RuntimeError if a run changed anything."""
    hosts = len(load_lab(REPO / inventory).hosts)
    seconds, per_host = [], 0
    for _ in range(runs):
        elapsed, run = timed(inventory, deploy_file)
        if not run.converged:
            raise RuntimeError(f"{deploy_file} is not a no-op here: {run.totals} {run.changed[:5]} {run.errors[:5]}")
        seconds.append(elapsed)
        per_host = run.totals["no_change"] // hosts
    return seconds, per_host


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", default=runner.SIM_INVENTORY)
    parser.add_argument("--deploy", default=None, help="deploy file (default: the highest level)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--goal-seconds", type=float, default=12.0)
    parser.add_argument("--goal-ratio", type=float, default=2.0)
    parser.add_argument("--json", help="also write the result here")
    args = parser.parse_args(argv)
    deploy_file = args.deploy or f"deploys/level{highest_level()}.py"
    if args.inventory == runner.SIM_INVENTORY:
        stand_in_secrets()  # as `make demo`: every component deployed, so every operation timed
    try:
        first = runner.deploy(args.inventory, deploy_file)
        if not first.converged:
            runner.deploy(args.inventory, deploy_file)
        ours, per_host = no_op_seconds(args.inventory, deploy_file, args.runs)
        with tempfile.TemporaryDirectory() as tmp:
            trivial = Path(tmp) / "trivial.py"
            trivial.write_text(TRIVIAL.format(n=per_host))
            plain, _ = no_op_seconds(args.inventory, str(trivial), args.runs)
    except (RuntimeError, runner.RunFailed) as error:
        print(f"could not measure: {error}", file=sys.stderr)
        return 2
    result = {"deploy": deploy_file, "inventory": args.inventory, "operations_per_host": per_host,
              "runs": args.runs, "seconds": [round(s, 2) for s in ours], "median_s": round(statistics.median(ours), 2),
              "plain_seconds": [round(s, 2) for s in plain], "plain_median_s": round(statistics.median(plain), 2)}
    result["ratio"] = round(result["median_s"] / result["plain_median_s"], 2)
    result["goals_met"] = result["median_s"] < args.goal_seconds and result["ratio"] <= args.goal_ratio
    print(f"{deploy_file} no-op rerun, {per_host} operations per host, median of {args.runs}:")
    print(f"  ours   {result['median_s']:6.2f} s   {result['seconds']}")
    print(f"  plain  {result['plain_median_s']:6.2f} s   {result['plain_seconds']}  (files.directory x {per_host})")
    print(f"  ratio  {result['ratio']:6.2f}     goals: < {args.goal_seconds} s, ratio <= {args.goal_ratio}: "
          f"{'met' if result['goals_met'] else 'MISSED'}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["goals_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
