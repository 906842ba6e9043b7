"""Real 2-process training runs on gloo. Fast: FSDP2 learns, on synthetic data and on a text file; a failing
rank fails the run. Slow (several runs each, ~10 s of process start per run on 2 cores; DeepSpeed JIT-builds
its CPU comm op once): exact resume for FSDP2 and DeepSpeed ZeRO-3, ZeRO 1/2 against FSDP2, HSDP. Without
processes: the loss trend and the precision. The result has exactly the keys ``results.TrainResult`` declares."""

import json
import subprocess
import sys
from pathlib import Path
from typing import get_type_hints

import pytest
import torch

from distributed.results import FailedRun, TrainResult
from distributed.train.train_loop import loss_trend, use_bf16

REPO = Path(__file__).resolve().parents[4]
SMALL = ["--d-model", "64", "--layers", "2", "--heads", "2", "--seq-len", "32", "--backend", "gloo",
         "--nproc-per-node", "2"]


def train(tmp_path, name, *args, expect=0):
    out = tmp_path / f"{name}.json"
    done = subprocess.run([sys.executable, "-m", "distributed", "train", *SMALL, *args, "--json", str(out),
                           "--run-dir", str(tmp_path / "runs")],
                          cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == expect, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(out.read_text())


def check_learns(result, strategy):
    assert set(result) == set(get_type_hints(TrainResult))
    assert result["strategy"] == strategy and result["world_size"] == 2 and result["backend"] == "gloo"
    assert len(result["losses"]) == 10 and result["first_step"] == 1
    assert result["last5_mean"] < result["first5_mean"] and result["loss_decreased"] is True
    assert result["tokens_per_s"] > 0 and result["tokens_per_step"] == 8 * 32 * 2
    assert [m["bytes"] > 0 for m in result["peak_memory"]] == [True, True]


def test_fsdp_learns(tmp_path):
    check_learns(train(tmp_path, "full", "--strategy", "fsdp", "--steps", "10"), "fsdp")


@pytest.mark.slow
def test_fsdp_resumes_exactly(tmp_path):
    uninterrupted = train(tmp_path, "full", "--strategy", "fsdp", "--steps", "10")
    checkpoints = tmp_path / "checkpoints"
    first = train(tmp_path, "first", "--strategy", "fsdp", "--steps", "5", "--checkpoint-dir", str(checkpoints))
    assert first["checkpoints"] == [str(checkpoints / "step-5")] and first["loss_decreased"] is None
    resumed = train(tmp_path, "resumed", "--strategy", "fsdp", "--steps", "10", "--checkpoint-dir", str(checkpoints),
                    "--resume")
    assert resumed["resumed_from"] == 5 and resumed["first_step"] == 6
    assert first["losses"] == uninterrupted["losses"][:5]
    assert resumed["losses"] == uninterrupted["losses"][5:]  # bit for bit, next step and after


def test_text_file_data(tmp_path):
    text = tmp_path / "corpus.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 200)
    result = train(tmp_path, "text", "--strategy", "fsdp", "--steps", "10", "--data", str(text))
    assert result["data"] == str(text)
    check_learns(result, "fsdp")


def test_a_failing_rank_fails_the_run_with_its_error(tmp_path):
    out = tmp_path / "failed.json"
    done = subprocess.run([sys.executable, "-m", "distributed", "train", *SMALL,
                           "--data", str(tmp_path / "missing.txt"), "--json", str(out),
                           "--run-dir", str(tmp_path / "runs")],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    failure = json.loads(out.read_text())
    assert done.returncode == 1 and failure["status"] == "fail"
    assert set(failure) == set(get_type_hints(FailedRun))
    assert failure["error"].startswith("rank ") and "FileNotFoundError" in failure["error"]


@pytest.mark.slow
def test_deepspeed_zero3_learns_and_resumes_exactly(tmp_path):
    uninterrupted = train(tmp_path, "full", "--strategy", "deepspeed", "--zero-stage", "3", "--steps", "10")
    check_learns(uninterrupted, "deepspeed")
    assert uninterrupted["zero_stage"] == 3
    checkpoints = tmp_path / "checkpoints"
    train(tmp_path, "first", "--strategy", "deepspeed", "--zero-stage", "3", "--steps", "5",
          "--checkpoint-dir", str(checkpoints))
    resumed = train(tmp_path, "resumed", "--strategy", "deepspeed", "--zero-stage", "3", "--steps", "10",
                    "--checkpoint-dir", str(checkpoints), "--resume")
    assert resumed["losses"] == uninterrupted["losses"][5:]


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["1", "2"])
def test_deepspeed_zero_stages_match_fsdp(tmp_path, stage):
    fsdp = train(tmp_path, "fsdp", "--strategy", "fsdp", "--steps", "10")
    zero = train(tmp_path, "zero", "--strategy", "deepspeed", "--zero-stage", stage, "--steps", "10")
    assert zero["losses"] == pytest.approx(fsdp["losses"], rel=1e-4)


@pytest.mark.slow
def test_hsdp_replicas_stay_in_sync(tmp_path):
    """Mesh (replicate 2, shard 1), as on two Sparks with one GPU each: same losses as full sharding."""
    full = train(tmp_path, "full", "--strategy", "fsdp", "--steps", "10")
    hsdp = train(tmp_path, "hsdp", "--strategy", "fsdp", "--steps", "10", "--hsdp", "--hsdp-shard-size", "1")
    assert hsdp["mesh_shape"] == [2, 1]
    assert hsdp["losses"] == pytest.approx(full["losses"], rel=1e-4)


def test_loss_trend():
    assert loss_trend([5, 4, 3]) == {"first5_mean": None, "last5_mean": None, "loss_decreased": None}
    assert loss_trend(list(range(10, 0, -1)))["loss_decreased"] is True
    assert loss_trend([1.0] * 10)["loss_decreased"] is False


def test_precision_follows_the_device():
    assert use_bf16("auto", torch.device("cpu")) is False
    assert use_bf16("bf16", torch.device("cpu")) is True and use_bf16("fp32", torch.device("cpu")) is False
