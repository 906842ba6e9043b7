"""How a class scales: no-op reruns on 2, 4 and 8 simulated hosts, and the largest lab's first converge.

    python bench/scale.py [--hosts 2,4,8] [--deploy deploys/levelN.py] [--runs 3] [--goal-ratio 1.6]
        [--all-components] [--json FILE]

For each host count the simulated lab is brought up as a switch of that many hosts (`simlab up --topology
switch:N`, a fresh lab each time), the deploy converges it (its first run is timed: the first converge), then
``--runs`` no-op reruns are timed, each checked to change nothing. pyinfra runs the hosts in parallel, so the
largest lab's no-op median should stay within ``--goal-ratio`` of the smallest's. The lab is left as the default
two-host lab. Exit 0: goal met, 1: missed, 2: could not measure.

Disk: a simulated host at level 6 with every component holds ~13 GB, 6 GB of it LLaMA Factory's venv (PyTorch's
CUDA build: no CPU torch 2.11 is reachable from the lab) and 2 GB of level-5 tracks, so 8 hosts need ~105 GB.
Unless ``--all-components``, every lab count runs without those two (LAB_DISK_TRIMS, ~5 GB a host), the same
data for every count, so the ratio compares like with like. Each lab's disk per host is measured after its
converge, and the next, larger lab is not started when the free disk cannot hold it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.noop_rerun import no_op_seconds, timed  # noqa: E402
from simlab.config import Paths  # noqa: E402
from sparklab import runner  # noqa: E402
from sparklab.demo import highest_level, stand_in_secrets  # noqa: E402

# The lab's components that a lab of 8 hosts cannot hold on a ~50 GB disk (see above): group data that switches
# them off, as an instructor's inventory would.
LAB_DISK_TRIMS = {"llama_factory_enabled": False, "level5_tracks": []}
HEADROOM = 1.15  # free disk asked for a lab beyond its hosts' measured size


def lab_of(hosts: int, folder: Path, trims: dict) -> str:
    """A fresh simulated switch of ``hosts`` hosts and its inventory file (the lab's, with ``trims``)."""
    topology = f"switch:{hosts}"
    if runner.simlab("down").returncode != 0 or runner.simlab("up", "--topology", topology).returncode != 0:
        raise RuntimeError(f"simlab could not bring up {topology}")
    inventory = folder / f"switch_{hosts}.py"
    inventory.write_text(trimmed(runner.simlab("inventory", "--topology", topology).stdout, trims))
    return str(inventory)


def trimmed(inventory_text: str, trims: dict) -> str:
    """The lab's inventory (one group, `sim_sparks`) with ``trims`` added to its group data."""
    return inventory_text + (f"\n# bench/scale.py: LAB_DISK_TRIMS\nsim_sparks[1].update({trims!r})\n" if trims else "")


def host_sizes() -> list[int]:
    """Bytes each simulated host holds: its overlay's upper layer and its Docker data, what a converge wrote
    (-x: not the merged root mounted beside them)."""
    hosts = [d for d in Paths.from_env().hosts_dir.iterdir() if d.is_dir()]
    return [int(subprocess.run(["du", "-sx", "--block-size=1", str(d)], capture_output=True, text=True,
                               check=True).stdout.split()[0]) for d in hosts]


def check_room(hosts: int, per_host: int) -> None:
    """RuntimeError when the disk, once the current lab is down, cannot hold ``hosts`` hosts of ``per_host``."""
    free = shutil.disk_usage(Paths.from_env().hosts_dir).free + sum(host_sizes())
    needed = int(hosts * per_host * HEADROOM)
    if needed > free:
        raise RuntimeError(f"{hosts} hosts need ~{needed / 1e9:.0f} GB ({per_host / 1e9:.1f} GB a host) and the "
                           f"disk has {free / 1e9:.0f} GB: run fewer hosts (--hosts), or leave out --all-components")


def measure(hosts: int, deploy_file: str, runs: int, folder: Path, trims: dict) -> dict:
    inventory = lab_of(hosts, folder, trims)
    first_s, first = timed(inventory, deploy_file)
    if first.returncode != 0:
        raise RuntimeError(f"{hosts} hosts: the first run failed: {first.errors[:5]}")
    if not first.converged:
        runner.deploy(inventory, deploy_file)
    seconds, per_host = no_op_seconds(inventory, deploy_file, runs)
    return {"hosts": hosts, "first_converge_s": round(first_s, 1), "first_converge_changed": first.totals["success"],
            "operations_per_host": per_host, "disk_per_host_gb": round(max(host_sizes()) / 1e9, 1),
            "no_op_seconds": [round(s, 2) for s in seconds], "no_op_median_s": round(statistics.median(seconds), 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", default="2,4,8", type=lambda s: [int(n) for n in s.split(",")])
    parser.add_argument("--deploy", default=None, help="deploy file (default: the highest level)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--goal-ratio", type=float, default=1.6)
    parser.add_argument("--all-components", action="store_true",
                        help="no LAB_DISK_TRIMS: every component on every host (~13 GB a host)")
    parser.add_argument("--json", help="also write the result here")
    args = parser.parse_args(argv)
    deploy_file = args.deploy or f"deploys/level{highest_level()}.py"
    stand_in_secrets()  # as `make demo`: no component skipped for a missing secret
    trims = {} if args.all_components else LAB_DISK_TRIMS
    labs: list[dict] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for n in sorted(args.hosts):
                if labs:
                    check_room(n, int(labs[-1]["disk_per_host_gb"] * 1e9))
                labs.append(measure(n, deploy_file, args.runs, Path(tmp), trims))
    except (RuntimeError, runner.RunFailed) as error:
        print(f"could not measure: {error}", file=sys.stderr)
        return 2
    finally:
        runner.simlab("down")
        runner.simlab("up")
    ratio = round(labs[-1]["no_op_median_s"] / labs[0]["no_op_median_s"], 2)
    result = {"deploy": deploy_file, "trims": trims, "runs": args.runs, "labs": labs, "ratio": ratio,
              "goal_ratio": args.goal_ratio, "goal_met": ratio <= args.goal_ratio,
              "measured": time.strftime("%Y-%m-%dT%H:%M:%S")}
    print(f"{deploy_file}{f' without {trims}' if trims else ''}, median of {args.runs} no-op reruns:")
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
