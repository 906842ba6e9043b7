"""`make demo`: bring up the simulated lab, deploy the highest level that exists twice, check it.

Prints a short report: each run's changed/unchanged/error counts (the second must change nothing)
and every checkpoint item per host.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
import tempfile
from pathlib import Path

from sparklab import runner

INVENTORY = runner.SIM_INVENTORY


def highest_level() -> int:
    levels = [int(m.group(1)) for p in (runner.REPO / "deploys").glob("level*.py")
              if (m := re.fullmatch(r"level(\d)\.py", p.name))]
    return max(levels)


def stand_in_secrets() -> None:
    """The lab mirror's stand-ins accept any well-formed key: make some up unless the operator set them."""
    for name, prefix in (("NGC_API_KEY", "nvapi-"), ("TS_AUTHKEY", "tskey-auth-")):
        if not os.environ.get(name):
            os.environ[name] = prefix + secrets.token_hex(16)
            print(f"--> {name} not set: using a random stand-in key (the simulated lab accepts it)")


def main() -> int:
    stand_in_secrets()
    up = runner.simlab("up")
    print(up.stdout, end="")
    if up.returncode != 0:
        print(up.stderr[-4000:], file=sys.stderr)
        return 1
    level = highest_level()
    deploy_file = f"deploys/level{level}.py"
    lines = [f"Simulated lab report: {deploy_file} (levels 1..{level}) on {INVENTORY}", ""]
    runs = []
    for attempt in ("first run", "second run"):
        print(f"--> {attempt}: pyinfra -y --json {INVENTORY} {deploy_file}", flush=True)
        run = runner.deploy(INVENTORY, deploy_file)
        runs.append(run)
        t = run.totals
        lines.append(f"{attempt:<11} changed {t.get('success', '?'):>3}  unchanged {t.get('no_change', '?'):>3}"
                     f"  errors {t.get('error', '?'):>3}")
        if run.returncode != 0:
            print(run.output[-4000:], file=sys.stderr)
            break
    second = runs[-1] if len(runs) == 2 else None
    idempotent = second is not None and second.converged
    lines.append(f"idempotent: {'yes' if idempotent else 'NO'}" +
                 ("" if idempotent or second is None else f" ({len(second.changed)} changed: {second.changed[:5]})"))
    with tempfile.TemporaryDirectory() as tmp:
        print(f"--> checkpoints: levels 1..{level}", flush=True)
        check = runner.checkpoints(INVENTORY, level, Path(tmp) / "report.json")
    rows = [["checkpoint", *check.hosts]] + [
        [item.removeprefix("test_"), *(by_host.get(h, "-") for h in check.hosts)] for item, by_host in check.items.items()]
    widths = [max(len(row[i]) for row in rows) + 2 for i in range(len(rows[0]))]
    lines += [""] + ["".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines += ["", f"checkpoints: {'green' if check.green else 'RED'}",
              "The lab stays up for you to explore (ssh: see simlab/README.md); `make sim-down` removes it."]
    print("\n".join(lines))
    return 0 if idempotent and check.green else 1


if __name__ == "__main__":
    sys.exit(main())
