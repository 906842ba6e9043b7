"""A short LoRA fine-tune of each level-4 environment, on demand:

    python -m sparklab.finetune --inventory FILE [--host NAME] [--env pytorch|unsloth|llama-factory|nemo|all]
                                [--steps N] [--model M] [--dataset D] [--out runs]

Each run trains N steps of LoRA on the inventory's check model and dataset (``finetune_check_*``), inside the
environment a student uses, in a run folder ``~/finetune-runs/<stamp>-<env>`` on the Spark that keeps its script,
log and adapter (``sh run.sh`` there runs it again). Hosts run in parallel, the environments of a host one after
the other; heavy workloads that run are stopped first and the boot ones started again after (one GPU, one heavy
workload at a time). It prints a table and the JSON result, and writes ``result.json``, ``summary.md`` and
``loss.png`` (every run's loss curve) to a local folder ``<out>/finetune-<stamp>/`` along with each run's logs.

A run passes when it exits 0, its loss falls and its adapter or checkpoint exists. Unsloth and NeMo need a GPU:
without one they are not applicable (N/A), not failed. Exit status: 0 every run that could run passed,
1 a run failed (or a boot workload did not come back), 2 usage, inventory or SSH error, or nothing could run.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tarfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from shlex import quote

from sparklab import finetune_report, lab_switch
from sparklab.finetune_logs import Curve
from sparklab.finetune_runs import ENVS, NO_GPU, Check, Env
from sparklab.hub import is_path
from sparklab.remote import Remote, only
from sparklab.toolcli import FAIL, PASS, USAGE, UsageError, load_inventory_hosts
from sparklab.workloads import from_json

RUNS = "finetune-runs"


@dataclass
class Run:
    host: str
    env: str
    status: str  # PASS, FAIL or N/A
    reason: str = ""
    folder: str = ""  # the run folder on the Spark
    artifact: str = ""
    seconds: float = 0.0
    curve: Curve = field(default_factory=Curve)


class Spark(Remote):
    """A host as `python -m sparklab.finetune_inventory` describes it: SSH, lab user, settings, workloads."""

    def __init__(self, data: dict):
        super().__init__(data)
        self.lab_user, self.settings = data["lab_user"], data["settings"]
        self.workloads = [from_json(w) for w in data["workloads"]]

    @property
    def runs_dir(self) -> str:
        """Where run folders go: the lab user's home (``~user`` for the shell on the Spark)."""
        return f"~{self.lab_user}/{RUNS}"

    def check(self, args) -> Check:
        """What to train; UsageError for a model given as a path (the containers see the run folder and the
        Hugging Face cache, not the host's other folders)."""
        s = self.settings
        model = args.model or s["finetune_check_model"]
        if is_path(model):
            raise UsageError(f"{self.name}: model {model}: give a Hub name (org/name); the environments load it "
                             "through the Hugging Face cache")
        return Check(model=model, dataset=args.dataset or s["finetune_check_dataset"],
                     steps=args.steps or s["finetune_check_steps"], lr=args.lr or s["finetune_check_lr"],
                     template=s["finetune_check_template"])


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _collected(data: bytes, local: Path) -> dict[str, str]:
    """The files read back from the run folder, also saved under ``local``."""
    files = {}
    if not data:
        return files
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                text = tar.extractfile(member).read()
                name = member.name.removeprefix("./")
                (local / name).parent.mkdir(parents=True, exist_ok=True)
                (local / name).write_bytes(text)
                files[name] = text.decode(errors="replace")
    return files


def _last_lines(text: str, n: int = 3) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-n:])


def run_env(spark: Spark, env: Env, check: Check, stamp: str, local: Path, timeout: float) -> Run:
    """One short fine-tune: its run folder written on the Spark, ``run.sh`` run as the lab user, its files read
    back (and kept under ``local/<host>/<env>/``), its verdict."""
    if env.enabled_by and not spark.settings.get(env.enabled_by, True):
        return Run(spark.name, env.name, "N/A", f"{env.enabled_by} is off in the inventory")
    plan = env.plan(check, spark.settings)
    folder = f"{spark.runs_dir}/{stamp}-{env.name}"
    cd = f"mkdir -p {folder} && cd {folder}"
    files = {**plan.files, "run.sh": plan.script.encode()}
    status, _, err = spark.run_bytes(f"{cd} && tar -x", stdin=_tar(files), as_user=spark.lab_user)
    if status != 0:
        return Run(spark.name, env.name, "FAIL", f"cannot write {folder}: {err.strip()}", folder)
    started = time.monotonic()
    status, _, err = spark.run_bytes(f"{cd} && sh run.sh > train.log 2>&1", timeout=timeout, as_user=spark.lab_user)
    seconds = time.monotonic() - started
    wanted = " ".join(quote(name) for name in (*plan.collect, "run.sh"))
    _, data, _ = spark.run_bytes(f"cd {folder} && tar -c --ignore-failed-read {wanted} 2>/dev/null",
                                 as_user=spark.lab_user)
    files = _collected(data, local / spark.name / env.name)
    artifact = f"{folder}/{plan.artifact}"
    present, _, _ = spark.run_bytes(f"cd {folder} && test -e {quote(plan.artifact)}", as_user=spark.lab_user)
    curve = env.curve(files)
    status, reason = _verdict(status, files.get("train.log", err), curve, present == 0, plan.artifact)
    return Run(spark.name, env.name, status, reason, folder, artifact, seconds, curve)


def _verdict(exit_status: int, log: str, curve: Curve, has_artifact: bool, artifact: str) -> tuple[str, str]:
    """PASS, N/A or FAIL, and why."""
    if exit_status == NO_GPU:
        return "N/A", _last_lines(log, 1)
    if exit_status != 0:
        return "FAIL", f"exit {exit_status}: {_last_lines(log)}"
    if not curve.losses:
        return "FAIL", "no loss was logged"
    if not curve.lowered():
        return "FAIL", "the loss did not fall"
    if not has_artifact:
        return "FAIL", f"no {artifact} in the run folder"
    return "PASS", ""


def run_host(spark: Spark, envs: list[Env], args, stamp: str, local: Path) -> tuple[list[Run], list[str]]:
    """The runs of one host, and the problems met giving the GPU back. Heavy workloads that run (an engine at
    boot) are stopped first, one heavy workload at a time, and the boot ones started again afterwards."""
    check = spark.check(args)
    room = lab_switch.make_room(spark.run, spark.workloads)
    if room.stopped:
        print(f"{spark.name}: stopped {', '.join(room.stopped)} for the fine-tunes (one heavy workload at a time)",
              file=sys.stderr)
    try:
        runs = [run_env(spark, env, check, stamp, local, args.timeout) for env in envs]
    finally:
        restored = lab_switch.restore(spark.run, spark.workloads, args.timeout)
    if restored.started:
        print(f"{spark.name}: started {', '.join(restored.started)} again", file=sys.stderr)
    return runs, [f"{spark.name}: {p}" for p in room.problems + restored.problems]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sparklab.finetune", description=__doc__.split("\n\n")[0])
    parser.add_argument("--inventory", required=True, help="pyinfra inventory file (e.g. inventories/one_spark.py)")
    parser.add_argument("--host", action="append", help="only this host (repeatable; default: all)")
    parser.add_argument("--env", action="append", choices=[*ENVS, "all"],
                        help="environment (repeatable; default: all)")
    parser.add_argument("--steps", type=int, help="LoRA steps (default: finetune_check_steps)")
    parser.add_argument("--model", help="Hub name (default: finetune_check_model)")
    parser.add_argument("--dataset", help="Hub name, or a JSON/JSONL file on the Spark, copied into each run folder "
                                          "(default: finetune_check_dataset)")
    parser.add_argument("--lr", type=float, help="learning rate (default: finetune_check_lr)")
    parser.add_argument("--out", default="runs", help="local folder for the report (runs)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per run (3600)")
    args = parser.parse_args(argv)
    names = list(ENVS) if not args.env or "all" in args.env else list(dict.fromkeys(args.env))
    try:
        loaded = [Spark(h) for h in load_inventory_hosts("sparklab.finetune_inventory", args.inventory)]
        sparks = only(loaded, args.host, args.inventory)
        for spark in sparks:
            spark.check(args)  # a bad model stops the command before any host is touched
        stamp = time.strftime("%Y%m%d-%H%M%S")
        local = finetune_report.new_folder(Path(args.out), stamp)
        with ThreadPoolExecutor(max_workers=max(1, len(sparks))) as pool:
            done = list(pool.map(lambda s: run_host(s, [ENVS[n] for n in names], args, stamp, local), sparks))
        runs, problems = [r for rs, _ in done for r in rs], [p for _, ps in done for p in ps]
    except UsageError as error:
        print(f"finetune: {error}", file=sys.stderr)
        return USAGE
    result = finetune_report.write(local, runs)
    print(finetune_report.table(runs))
    print(json.dumps(result, indent=2))
    print(f"report: {local}", file=sys.stderr)
    for problem in problems:
        print(f"finetune: {problem}", file=sys.stderr)
    if problems or any(r.status == "FAIL" for r in runs):
        return FAIL
    return PASS if any(r.status == "PASS" for r in runs) else USAGE


if __name__ == "__main__":
    sys.exit(main())
