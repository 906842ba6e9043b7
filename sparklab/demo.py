"""`make demo`: bring up the simulated lab, deploy the highest level that exists twice, check it.

Shows which operation runs while each deploy goes on, then prints a short report: each run's
changed/unchanged/error counts (the second must change nothing) and every checkpoint item per host,
a FAIL with its reason. Needs no secret: the lab's stand-ins stand in for those not set.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

from simlab.config import Paths
from sparklab import runner
from sparklab.inventory import load_lab

INVENTORY = runner.SIM_INVENTORY


def highest_level() -> int:
    levels = [int(m.group(1)) for p in (runner.REPO / "deploys").glob("level*.py")
              if (m := re.fullmatch(r"level(\d)\.py", p.name))]
    return max(levels)


def stand_in_secrets() -> None:
    """Every secret the lab inventory reads from an environment variable that is not set: the lab's
    stand-in, which `simlab up` keeps in its state directory, so every demo deploys the same keys
    (and a second demo changes nothing)."""
    stand_ins = Paths.from_env().secrets_dir
    refs = {name: ref for host in load_lab(runner.REPO / INVENTORY).hosts for name, ref in host.secrets.items()}
    for name, ref in sorted(refs.items()):
        if ref.env and not os.environ.get(ref.env):
            os.environ[ref.env] = (stand_ins / name).read_text().strip()
            print(f"--> ${ref.env} not set: using the simulated lab's stand-in ({stand_ins / name})")


class Progress:
    """One line that follows pyinfra's log: the level, role and operation running, and how many hosts
    have finished it. On a terminal the line is rewritten in place; in a log, each role gets one line."""

    def __init__(self, hosts: int, stream=sys.stdout):
        self.hosts, self.stream, self.tty = hosts, stream, stream.isatty()
        self.count, self.operation, self.done, self.role = 0, "", 0, None

    def __call__(self, line: str) -> None:
        if line.startswith("--> Starting operation: "):
            parts = line.removeprefix("--> Starting operation: ").strip().split(" | ")
            levels = [p.removeprefix("deploys/").removesuffix(".py") for p in parts if p.startswith("deploys/")]
            rest = [p for p in parts if not p.startswith("deploys/")]
            self.count, self.done = self.count + 1, 0
            self.operation = " | ".join(levels[-1:] + rest)
            role = " | ".join(levels[-1:] + rest[:-1])
            if not self.tty and role != self.role:
                print(f"    {role}", file=self.stream, flush=True)
            self.role = role
        elif re.match(r"\s+\[[^]]+\] (Success|No changes|Error)", line):
            self.done += 1
        else:
            return
        if self.tty:
            text = f"    op {self.count}: {self.operation} ({self.done}/{self.hosts} hosts)"
            print(f"\r\x1b[K{text[:150]}", end="", file=self.stream, flush=True)

    def finish(self) -> None:
        if self.tty:
            print("\r\x1b[K", end="", file=self.stream, flush=True)


def main() -> int:
    up = runner.simlab("up")
    print(up.stdout, end="")
    if up.returncode != 0:
        print(up.stderr[-4000:], file=sys.stderr)
        return 1
    stand_in_secrets()
    hosts = len(load_lab(runner.REPO / INVENTORY).hosts)
    level = highest_level()
    deploy_file = f"deploys/level{level}.py"
    lines = [f"Simulated lab report: {deploy_file} (levels 1..{level}) on {INVENTORY}", ""]
    runs = []
    for attempt in ("first run", "second run"):
        print(f"--> {attempt}: pyinfra -y --json {INVENTORY} {deploy_file}", flush=True)
        progress = Progress(hosts)
        run = runner.deploy(INVENTORY, deploy_file, progress=progress)
        progress.finish()
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
        [item.removeprefix("test_"), *(by_host.get(h, "-") for h in check.hosts)]
        for item, by_host in check.items.items()]
    widths = [max(len(row[i]) for row in rows) + 2 for i in range(len(rows[0]))]
    lines += [""] + ["".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines += ["", f"checkpoints: {'green' if check.green else 'RED'}",
              "The lab stays up for you to explore (ssh: see simlab/README.md); `make sim-down` removes it."]
    print("\n".join(lines))
    return 0 if idempotent and check.green else 1


if __name__ == "__main__":
    sys.exit(main())
