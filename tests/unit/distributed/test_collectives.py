"""Real 2-process gloo runs: the collectives benchmark through the CLI, and its #wrong check catching bad data."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import get_type_hints

import pytest
import torch.distributed as dist
import torch.multiprocessing as mp

from distributed.nccl_tests.nccl_format import OPS, bandwidths
from distributed.results import CollectivesResult, OpResult, Row, Side

REPO = Path(__file__).resolve().parents[3]


def test_two_rank_gloo_sweep(tmp_path):
    out = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, "-m", "distributed", "collectives", "--backend", "gloo", "--nproc-per-node", "2",
         "--min-bytes", "1K", "--max-bytes", "16K", "--factor", "4", "--iters", "2", "--json", str(out),
         "--run-dir", str(tmp_path / "runs")],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["backend"] == "gloo" and result["world_size"] == 2 and result["wrong_total"] == 0
    assert list(result["ops"]) == list(OPS)
    assert set(result) == set(get_type_hints(CollectivesResult))
    assert {frozenset(data) for data in result["ops"].values()} == {frozenset(get_type_hints(OpResult))}
    for op, data in result["ops"].items():
        assert [row["size"] for row in data["rows"]] == [1024, 4096, 16384]
        for row in data["rows"]:
            side = row["out_of_place"]
            assert set(row) == set(get_type_hints(Row)) and set(side) == set(get_type_hints(Side))
            assert side["wrong"] == 0 and side["time_us"] > 0
            assert (side["algbw"], side["busbw"]) == pytest.approx(
                bandwidths(op, row["count"], 4, side["time_us"] / 1e6, 2))
            assert (row["in_place"] is None) == (op == "all_to_all")
    assert "# Out of bounds values : 0 OK" in done.stdout and "# Avg bus bandwidth" in done.stdout
    assert all(t["available"] is False for t in result["telemetry"]) or result["telemetry"][0]["available"]
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert {p.name for p in run_dir.iterdir()} == {"result.json", "summary.md", "plot.png", "output.log"}


def _rank_checking_ops(rank, store_path, out_dir):
    import torch

    from distributed import collectives
    from distributed.launch import rank_env

    dist.init_process_group("gloo", store=dist.FileStore(store_path, 2), rank=rank, world_size=2,
                            timeout=timedelta(seconds=60))
    me = rank_env.Rank(rank, 2, rank, 2, "gloo", torch.device("cpu"), "test")
    rows = []
    for op in OPS:
        case = collectives._Case(op, 64, me, torch.float32)
        for in_place in (False, True) if op != "all_to_all" else (False,):
            rows.append([op, in_place, "real", collectives._measure(case, in_place, iters=2, warmup=1)[1]])
        real_call = case.call
        case.call = lambda in_place: (lambda: None)  # a collective that moves nothing
        rows.append([op, False, "no-op", collectives._measure(case, False, iters=1, warmup=0)[1]])
        case.call = real_call
    dist.destroy_process_group()
    (Path(out_dir) / f"rank{rank}.json").write_text(json.dumps(rows))


def test_the_data_check_counts_wrong_elements(tmp_path):
    """Every op and place checks clean when real, and a do-nothing collective shows up as #wrong."""
    # The ranks start from a fresh interpreter: pyinfra (imported by other tests) gevent-patches this one,
    # which breaks multiprocessing.
    done = subprocess.run([sys.executable, __file__, str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {rank: json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in (0, 1)}
    real = [wrong for rank in rows for op, _, kind, wrong in rows[rank] if kind == "real"]
    broken = {op: wrong for op, _, kind, wrong in rows[0] if kind == "no-op"}
    assert len(real) == 2 * 9 and set(real) == {0}
    assert set(broken) == set(OPS) and all(wrong > 0 for wrong in broken.values()), broken


if __name__ == "__main__":
    mp.spawn(_rank_checking_ops, args=(str(Path(sys.argv[1]) / "store"), sys.argv[1]), nprocs=2)
