"""The run folder: result.json, summary.md and plot.png for each kind of run."""

import json
from pathlib import Path

from distributed.nccl_tests.nccl_output import parse_text
from distributed.nccl_tests.nccl_verdict import judge
from distributed.run_report import human_bytes, new_run_dir, write_report

OUTPUTS = Path(__file__).parent / "nccl_tests" / "nccl_outputs"
NO_GPU = {"rank": 0, "host": "vm", "available": False, "index": 0,
          "reason": "no NVIDIA GPU: NVML Shared Library Not Found"}
GB10 = {"rank": 1, "host": "spark-2", "available": True, "index": 0, "name": "NVIDIA GB10", "interval_s": 0.5,
        "samples": [{"t_s": 0.0}], "summary": {"gpu_util_pct": {"min": 80, "mean": 90.5, "max": 99},
                                               "memory_used_bytes": "Not Supported"}}


def test_train_report(tmp_path):
    result = {"kind": "train", "strategy": "deepspeed", "zero_stage": 3, "hsdp": False, "mesh_shape": None,
              "backend": "nccl", "device_type": "cuda", "precision": "bf16", "world_size": 2,
              "hosts": ["spark-1", "spark-2"],
              "data": "synthetic", "parameters": 867072, "steps": 30, "first_step": 21, "losses": [1.0] * 10,
              "step_times_s": [0.1] * 10, "tokens_per_step": 1024, "tokens_per_s": 10240.0, "first5_mean": 1.0,
              "last5_mean": 1.0, "loss_decreased": False, "checkpoints": ["/ck/step-30"], "resumed_from": 20,
              "peak_memory": [{"rank": 0, "bytes": 2**30, "what": "torch.cuda.max_memory_allocated"}],
              "telemetry": [NO_GPU, GB10]}
    paths = write_report(new_run_dir(str(tmp_path), "train"), result)
    assert json.loads(paths["json"].read_text()) == result
    summary = paths["markdown"].read_text()
    assert summary.startswith("# train: deepspeed ZeRO-3")
    for text in ("(resumed from step 20)", "did NOT decrease", "10240 tokens/s", "rank 0 1024 MiB",
                 "rank 0 on vm: no NVIDIA GPU", "memory_used_bytes Not Supported", "gpu_util_pct mean 90.5 max 99"):
        assert text in summary
    assert paths["plot"].read_bytes()[:4] == b"\x89PNG"


def test_nccl_tests_report(tmp_path):
    parsed = parse_text((OUTPUTS / "all_gather_slow_one_interface.txt").read_text())
    result = {"kind": "nccl-tests", "test": "all_gather_perf", "hosts": ["spark-1", "spark-2"], "command": "mpirun …",
              "parsed": parsed, "source": "text", "verdict": judge(parsed, 21.875, 25.0)}
    paths = write_report(new_run_dir(str(tmp_path), "nccl-tests"), result)
    summary = paths["markdown"].read_text()
    assert summary.startswith("# nccl-tests all_gather_perf: FAIL")
    assert "- Avg bus bandwidth 5.90398 GB/s is below the threshold 21.875 GB/s" in summary
    assert "(24 % of it)" in summary and "| 32M | 4194304 | 2843.2 | 5.900 | 5.910 | 0 |" in summary


def test_run_dirs_do_not_collide(tmp_path):
    assert new_run_dir(str(tmp_path), "x") != new_run_dir(str(tmp_path), "x")
    assert [human_bytes(n) for n in (8, 1024, 4 << 20, 16 << 30)] == ["8B", "1K", "4M", "16G"]
