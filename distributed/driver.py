"""``python -m distributed {collectives,nccl-tests,train}``: launch, stream the ranks' lines, report.

Exit status as NVIDIA's deepops validation scripts: 0 pass, 1 fail (wrong data, loss not decreasing, a rank
failed or timed out, bandwidth out of bounds), 2 usage or environment error (bad inventory, host unreachable,
nothing ran).
"""

import argparse
import json
import sys
from pathlib import Path

from distributed.launch import checkpoint_sync, launchers
from distributed.launch.cluster import nodes_from_inventory
from distributed.launch.jobs import run_jobs
from distributed.nccl_tests import binaries
from distributed.nccl_tests.sizes import parse_size, size_sweep
from distributed.options import add_options, worker_argv
from distributed.results import FailedRun, NcclTestsResult, Result
from distributed.run_report import new_run_dir, write_report
from sparklab import interconnect
from sparklab.toolcli import FAIL, PASS, USAGE, UsageError

# Knobs of a local run (no inventory): the role defaults, which live in sparklab.interconnect.
LOCAL_KNOBS = {"nccl_dir": interconnect.NCCL_DIR, "nccl_tests_dir": interconnect.NCCL_TESTS_DIR,
               "nccl_cuda_home": interconnect.CUDA_HOME,
               "distributed_nccl_threshold_gbps": interconnect.NCCL_THRESHOLD_GBPS,
               "distributed_line_rate_gbps": interconnect.LINE_RATE_GBPS}


def _common(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("where to run")
    where.add_argument("--inventory", help="pyinfra inventory: one node per host of one cluster, traffic on its "
                                           "QSFP links (without it: this machine only)")
    where.add_argument("--cluster", help="the inventory's cluster to run on (default: its only one)")
    where.add_argument("--hosts", type=lambda s: [h for h in s.split(",") if h],
                       help="comma-separated inventory hosts to use (default: all)")
    where.add_argument("--nproc-per-node", type=int, default=1, help="ranks per node (default 1)")
    where.add_argument("--timeout", type=float, default=1800, help="seconds before the whole run is stopped")
    report = parser.add_argument_group("report")
    report.add_argument("--json", help="also write the result JSON here")
    report.add_argument("--run-dir", default="runs", help="folder for the run folders (default runs/)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m distributed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for command, text in (("collectives", "torch.distributed collectives benchmark, nccl-tests layout"),
                          ("train", "small GPT or a Hugging Face causal LM (--model, LoRA) with FSDP2 or "
                                    "DeepSpeed ZeRO")):
        sub = commands.add_parser(command, help=text)
        _common(sub)
        sub.add_argument("--launcher", choices=("torchrun", "mpirun"), default="torchrun")
        add_options(sub, command)
    sub = commands.add_parser("nccl-tests", help="NVIDIA's nccl-tests binaries with a pass/fail verdict")
    _common(sub)
    sub.add_argument("--test", choices=binaries.TESTS, default="all_gather")
    # NVIDIA's cluster script measures its 21.875 GB/s threshold with all_gather_perf -b 16G -e 16G -f 2.
    sub.add_argument("--min-bytes", type=parse_size, default=parse_size("16G"))
    sub.add_argument("--max-bytes", type=parse_size, default=parse_size("16G"))
    sub.add_argument("--factor", type=int, default=2)
    sub.add_argument("--iters", type=int, help="nccl-tests -n (default: its own, 20)")
    sub.add_argument("--nccl-json", action="store_true", help="have nccl-tests write -J JSON and judge that")
    sub.add_argument("--threshold", type=float,
                     help="pass mark for Avg bus bandwidth, GB/s (default: inventory data)")
    sub.add_argument("--line-rate", type=float, help="link capacity, GB/s (default: inventory data)")
    sub.add_argument("--nccl-tests-dir", help="local runs: nccl-tests checkout (default: "
                                              f"{interconnect.NCCL_TESTS_DIR})")
    return parser


def _echo(inventory: bool, log):
    def echo(host: str, line: str) -> None:
        text = f"[{host}] {line}" if inventory else line
        print(text, flush=True)
        log.write(text + "\n")

    return echo


def _finish(args, run_dir: Path, result: Result, status: int) -> int:
    result["status"] = {PASS: "pass", FAIL: "fail", USAGE: "error"}[status]
    paths = write_report(run_dir, result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    print(f"{args.command}: {result['status'].upper()} — report {paths['markdown']}, plot {paths['plot']}")
    return status


def _failed(args, run_dir: Path, outcome) -> int:
    status = USAGE if outcome.unreachable else FAIL
    failure = FailedRun(kind=args.command, status="error" if status == USAGE else "fail", error=outcome.error,
                        timed_out=outcome.timed_out, exit_codes={o.host: o.exit_code for o in outcome.outcomes})
    (run_dir / "result.json").write_text(json.dumps(failure, indent=1) + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(failure, indent=1) + "\n")
    print(f"{args.command}: {failure['status'].upper()} — {outcome.error} (log {run_dir / 'output.log'})",
          file=sys.stderr)
    return status


def check_worker_options(args) -> None:
    """Mistakes every rank would hit, caught before anything starts."""
    if args.command == "collectives":
        try:
            size_sweep(args.min_bytes, args.max_bytes, args.factor)
        except ValueError as error:
            raise UsageError(str(error)) from None
        return
    if args.resume and not args.checkpoint_dir:
        raise UsageError("--resume needs --checkpoint-dir")
    if args.model and not args.dataset:
        raise UsageError("--model needs --dataset (instruction/response JSONL or Alpaca JSON)")
    if args.model and args.data:
        raise UsageError("--data is the small GPT's byte text; with --model use --dataset")
    without_model = [flag for flag, value in (("--dataset", args.dataset), ("--lora-r", args.lora_r),
                                              ("--save-dir", args.save_dir)) if value]
    if without_model and not args.model:
        raise UsageError(f"{without_model[0]} needs --model")
    if args.lora_r < 0:
        raise UsageError("--lora-r must be 0 (no LoRA) or more")


def default_save_dir(args, run_dir: Path) -> str | None:
    """Where rank 0 saves a ``--model`` run's result: model/ in this run folder, or for an inventory run the
    same relative path on the first node (the ranks run in its distributed_path, mounted in containers)."""
    if not args.model or args.save_dir:
        return args.save_dir
    if args.inventory:
        return f"runs/{run_dir.name}/model"
    return str((run_dir / "model").resolve())


def run_ranks(args) -> int:
    check_worker_options(args)
    nodes = nodes_from_inventory(args.inventory, args.hosts, args.cluster) if args.inventory else None
    if args.command == "train" and args.resume and nodes and len(nodes) > 1:
        checkpoint_sync.share(nodes, args.checkpoint_dir)  # each node has only its ranks' part of it
    run_dir = new_run_dir(args.run_dir, args.command)
    if args.command == "train":
        args.save_dir = default_save_dir(args, run_dir)
    worker = worker_argv(args.command, args)
    try:
        if nodes:
            jobs = launchers.inventory_jobs(worker, nodes, args.nproc_per_node, args.launcher, args.comm_timeout)
        else:
            jobs = launchers.local_jobs(worker, args.nproc_per_node, args.launcher, args.comm_timeout)
    except UsageError:
        run_dir.rmdir()  # nothing ran: no run folder
        raise
    with open(run_dir / "output.log", "w") as log:
        outcome = run_jobs(jobs, args.timeout, _echo(bool(args.inventory), log))
    if not outcome.ok or outcome.result is None:
        if outcome.ok:
            outcome.error = "the ranks finished without sending a result"
        return _failed(args, run_dir, outcome)
    result = outcome.result
    if result["kind"] == "collectives":
        status = PASS if result["wrong_total"] == 0 else FAIL
    else:
        status = FAIL if result["loss_decreased"] is False else PASS
    return _finish(args, run_dir, result, status)


def run_nccl_tests(args) -> int:
    nodes = nodes_from_inventory(args.inventory, args.hosts, args.cluster) if args.inventory else None
    knobs = nodes[0].knobs if nodes else LOCAL_KNOBS
    # mpirun runs on the first node (or here): its architecture names Open MPI's folder in the library path.
    library_path = interconnect.nccl_library_path(knobs["nccl_dir"], knobs["nccl_cuda_home"],
                                                  binaries.deb_arch(nodes[0] if nodes else None))
    run_dir = new_run_dir(args.run_dir, "nccl-tests")
    json_path = f"/tmp/sparklab-nccl-{launchers.run_id()}.json" if args.nccl_json else None
    tests_dir = args.nccl_tests_dir or knobs["nccl_tests_dir"]
    binary = binaries.binary_argv(tests_dir, args.test, args.min_bytes, args.max_bytes, args.factor,
                                  args.iters, json_path)
    job = binaries.inventory_job(nodes, binary, library_path, args.nproc_per_node) if nodes else \
        binaries.local_job(args.nproc_per_node, binary, library_path)
    lines = []
    with open(run_dir / "output.log", "w") as log:
        echo = _echo(bool(nodes), log)
        outcome = run_jobs([job], args.timeout, lambda host, line: (lines.append(line), echo(host, line)))
    if outcome.unreachable:
        return _failed(args, run_dir, outcome)
    json_text = binaries.fetch_json(job, json_path) if json_path else None
    judged = binaries.judge_run("\n".join(lines), json_text, outcome.outcomes[0].exit_code,
                                  args.threshold or knobs["distributed_nccl_threshold_gbps"],
                                  args.line_rate or knobs["distributed_line_rate_gbps"])
    result = NcclTestsResult(kind="nccl-tests", test=f"{args.test}_perf",
                             hosts=[n.name for n in nodes] if nodes else ["localhost"],
                             command=job.command or " ".join(job.argv), **judged)
    for reason in judged["verdict"]["reasons"]:
        print(f"nccl-tests: {reason}")
    return _finish(args, run_dir, result, judged["verdict"]["exit_code"])


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.cluster and not args.inventory:
        parser.error("--cluster needs --inventory")
    try:
        return run_nccl_tests(args) if args.command == "nccl-tests" else run_ranks(args)
    except UsageError as error:
        print(f"{args.command}: ERROR — {error}", file=sys.stderr)
        return USAGE
