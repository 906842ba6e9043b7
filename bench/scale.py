"""How a class scales: no-op reruns on 2, 4 and 8 simulated hosts, and the largest lab's first converge.

    python bench/scale.py [--hosts 2,4,8] [--deploy deploys/levelN.py] [--runs 3] [--goal-ratio 1.6] [--json FILE]

For each host count the simulated lab is brought up as a switch of that many hosts (`simlab up --topology
switch:N`, a fresh lab each time), the deploy converges it (the largest count's first run is timed: the first
converge), then ``--runs`` no-op reruns are timed, each checked to change nothing. pyinfra runs the hosts in
parallel, so the largest lab's no-op median should stay within ``--goal-ratio`` of the smallest's. The lab is
left as the default two-host lab. Exit 0: goal met, 1: missed, 2: could not measure.
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

from bench.noop_rerun import no_op_seconds, timed  # noqa: E402
from sparklab import runner  # noqa: E402
from sparklab.demo import highest_level, stand_in_secrets  # noqa: E402


def lab_of(hosts: int, folder: Path) -> str:
    """A fresh simulated switch of ``hosts`` hosts and its inventory file."""
    topology = f"switch:{hosts}"
    if runner.simlab("down").returncode != 0 or runner.simlab("up", "--topology", topology).returncode != 0:
        raise RuntimeError(f"simlab could not bring up {topology}")
    inventory = folder / f"switch_{hosts}.py"
    inventory.write_text(runner.simlab("inventory", "--topology", topology).stdout)
    return str(inventory)


def measure(hosts: int, deploy_file: str, runs: int, folder: Path) -> dict:
    inventory = lab_of(hosts, folder)
    first_s, first = timed(inventory, deploy_file)
    if first.returncode != 0:
        raise RuntimeError(f"{hosts} hosts: the first run failed: {first.errors[:5]}")
    if not first.converged:
        runner.deploy(inventory, deploy_file)
    seconds, per_host = no_op_seconds(inventory, deploy_file, runs)
    return {"hosts": hosts, "first_converge_s": round(first_s, 1), "operations_per_host": per_host,
            "no_op_seconds": [round(s, 2) for s in seconds], "no_op_median_s": round(statistics.median(seconds), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", default="2,4,8", type=lambda s: [int(n) for n in s.split(",")])
    parser.add_argument("--deploy", default=None, help="deploy file (default: the highest level)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--goal-ratio", type=float, default=1.6)
    parser.add_argument("--json", help="also write the result here")
    args = parser.parse_args(argv)
    deploy_file = args.deploy or f"deploys/level{highest_level()}.py"
    stand_in_secrets()  # as `make demo`: every component deployed, so every operation timed
    try:
        with tempfile.TemporaryDirectory() as tmp:
            labs = [measure(n, deploy_file, args.runs, Path(tmp)) for n in sorted(args.hosts)]
    except (RuntimeError, runner.RunFailed) as error:
        print(f"could not measure: {error}", file=sys.stderr)
        return 2
    finally:
        runner.simlab("down")
        runner.simlab("up")
    ratio = round(labs[-1]["no_op_median_s"] / labs[0]["no_op_median_s"], 2)
    result = {"deploy": deploy_file, "runs": args.runs, "labs": labs, "ratio": ratio,
              "goal_ratio": args.goal_ratio, "goal_met": ratio <= args.goal_ratio,
              "measured": time.strftime("%Y-%m-%dT%H:%M:%S")}
    print(f"{deploy_file}, median of {args.runs} no-op reruns:")
    for lab in labs:
        print(f"  {lab['hosts']} hosts  {lab['no_op_median_s']:7.2f} s  ({lab['operations_per_host']} operations a "
              f"host; first converge {lab['first_converge_s']:.0f} s)")
    print(f"  {labs[-1]['hosts']} vs {labs[0]['hosts']} hosts: {ratio:.2f}x (goal <= {args.goal_ratio}): "
          f"{'met' if result['goal_met'] else 'MISSED'}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["goal_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
