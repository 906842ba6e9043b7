"""Run a deploy with `pyinfra -y --json` and the checkpoints with pytest, and read their results.

Shared by `make demo` and the simulated-lab integration tests, so both judge a run the same way:
pyinfra's `success` count is the number of operations that *changed* something.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sparklab.inventory import load_lab
from sparklab.sshconfig import ssh_argv

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SIM_INVENTORY = "inventories/sim_lab.py"


def simlab(*args: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    """`python -m simlab ARGS` (up, down, status …), output captured."""
    return subprocess.run([sys.executable, "-m", "simlab", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


class RunFailed(RuntimeError):
    pass


@dataclass
class DeployRun:
    returncode: int
    totals: dict
    changed: list[str]  # "host: operation" for every operation that changed something
    errors: list[str]
    output: str  # pyinfra's stderr (progress and errors)
    stdout: str  # pyinfra's JSON

    @property
    def converged(self) -> bool:
        return self.returncode == 0 and self.totals.get("success") == 0 and self.totals.get("error") == 0


def deploy(inventory: str, deploy_file: str, *extra: str, env: dict | None = None, timeout: int = 3600,
           progress: Callable[[str], None] | None = None) -> DeployRun:
    """`pyinfra -y --json`: the totals come from the JSON on stdout; pyinfra's log lines on stderr are
    kept, and handed one by one to ``progress`` while the run goes on."""
    with subprocess.Popen([str(BIN / "pyinfra"), "-y", "--json", inventory, deploy_file, *extra], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as proc:
        stdout: list[str] = []
        reader = threading.Thread(target=lambda: stdout.append(proc.stdout.read()), daemon=True)
        reader.start()
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        log = []
        for line in proc.stderr:
            log.append(line)
            if progress:
                progress(line)
        returncode = proc.wait()
        timer.cancel()
        reader.join()
    run = subprocess.CompletedProcess(proc.args, returncode, "".join(stdout), "".join(log))
    try:
        results = json.loads(run.stdout)["results"] or {}
    except (json.JSONDecodeError, KeyError, TypeError):
        raise RunFailed(f"pyinfra gave no JSON result (exit {run.returncode}):\n{run.stderr[-4000:]}") from None
    changed, errors = [], []
    for op in results.get("operations", []):
        changed += [f"{h}: {op['name']}" for h in op.get("success", [])]
        errors += [f"{h}: {op['name']}" for h in op.get("error", [])]
    return DeployRun(run.returncode, results.get("totals", {}), changed, errors, run.stderr, run.stdout)


def deploy_twice(inventory: str, deploy_file: str) -> tuple[DeployRun, DeployRun]:
    """The rehearsal: a first run that must succeed, and the second run (to judge idempotence)."""
    first = deploy(inventory, deploy_file)
    if first.returncode != 0 or first.totals.get("error"):
        raise RunFailed(f"{deploy_file} failed (exit {first.returncode}):\n{first.output[-4000:]}")
    return first, deploy(inventory, deploy_file)


@dataclass
class CheckpointRun:
    returncode: int
    hosts: list[str]
    items: dict[str, dict[str, str]]  # item -> host -> PASS | FAIL (reason) | N/A (reason)
    output: str

    @property
    def green(self) -> bool:
        return self.returncode == 0 and not any(
            status.startswith("FAIL") for by_host in self.items.values() for status in by_host.values()
        )


def checkpoints(inventory: str, level: int, report: Path, *extra: str, timeout: int = 1800) -> CheckpointRun:
    run = subprocess.run(
        [str(BIN / "python"), "-m", "pytest", "tests/checkpoints", "-p", "no:cacheprovider",
         "--inventory", inventory, "--level", str(level), "--checkpoint-report", str(report), *extra],
        cwd=REPO, capture_output=True, text=True, timeout=timeout,
    )
    result = json.loads(report.read_text()) if report.exists() else {"hosts": [], "items": {}}
    return CheckpointRun(run.returncode, result["hosts"], result["items"], run.stdout + run.stderr)


def on_sim_host(host: str, command: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """Run ``command`` as root on a host of the simulated lab (for checks beyond the checkpoints)."""
    spark = load_lab(REPO / SIM_INVENTORY).host(host)
    return subprocess.run([*ssh_argv(spark.ssh, "root", "-i", spark.ssh["ssh_key"]), command],
                          capture_output=True, text=True, timeout=timeout)
