"""The short fine-tune's readers, on output in each framework's own format."""

import json

from sparklab import finetune_logs

# templates/finetune/short_lora.py on the stand-in tiny Llama (CPU), with a framework warning in between
SHORT_LORA = """\
/usr/local/lib/python3.11/dist-packages/transformers/modeling_utils.py:3312: FutureWarning: deprecated
{"step": 1, "loss": 5.950376510620117, "seconds": 0.475050797998847}
{"step": 2, "loss": 5.91, "seconds": 0.0105}
{"step": 3, "loss": 5.86, "seconds": 0.0103}
{"step": 4, "loss": 5.81, "seconds": 0.0101}
{"step": 5, "loss": 5.79, "seconds": 0.0105}
{"done": true, "adapter": "adapter", "peak_memory_bytes": 406921216, "memory_kind": "rss"}
"""

# LLaMA Factory's LogCallback.on_log (trainer_log.jsonl) and Trainer.save_metrics("train") (train_results.json)
TRAINER_LOG = "\n".join(json.dumps(r) for r in [
    {"current_steps": 1, "total_steps": 4, "loss": 2.31, "lr": 0.0002, "epoch": 0.03, "percentage": 25.0,
     "elapsed_time": "0:00:02", "remaining_time": "0:00:06", "vram_allocated": 9.5, "vram_reserved": 10.0},
    {"current_steps": 2, "total_steps": 4, "loss": 2.02, "lr": 0.0002, "epoch": 0.06, "percentage": 50.0,
     "elapsed_time": "0:00:03", "remaining_time": "0:00:03", "vram_allocated": 9.75, "vram_reserved": 10.0},
    {"current_steps": 3, "total_steps": 4, "loss": 1.71, "lr": 0.0002, "epoch": 0.09, "percentage": 75.0,
     "elapsed_time": "0:00:04", "remaining_time": "0:00:01", "vram_allocated": 9.6, "vram_reserved": 10.0},
    {"current_steps": 4, "total_steps": 4, "loss": 1.52, "lr": 0.0002, "epoch": 0.12, "percentage": 100.0,
     "elapsed_time": "0:00:05", "remaining_time": "0:00:00", "vram_allocated": 9.6, "vram_reserved": 10.0},
    {"current_steps": 4, "total_steps": 4, "epoch": 0.12, "percentage": 100.0, "elapsed_time": "0:00:05",
     "remaining_time": "0:00:00"},  # the final on_log of train metrics has no loss
])
TRAIN_RESULTS = json.dumps({"epoch": 0.12, "total_flos": 1.0e12, "train_loss": 1.89, "train_runtime": 6.0,
                            "train_samples_per_second": 1.3, "train_steps_per_second": 0.667})

# NeMo AutoModel's MetricLogger (checkpoints/training.jsonl): MetricsSample.to_dict()
NEMO = "\n".join(json.dumps(r) for r in [
    {"step": 0, "epoch": 0, "timestamp": "2026-03-04T10:00:00.000Z", "loss": 1.9, "grad_norm": 3.1, "lr": 1e-5,
     "mem": 21.5, "tps": 900.0, "tps_per_gpu": 900.0, "mfu": None, "num_tokens_per_step": 2048,
     "num_label_tokens": 700},
    {"step": 1, "epoch": 0, "timestamp": "2026-03-04T10:00:02.000Z", "loss": 1.6, "grad_norm": 2.8, "lr": 1e-5,
     "mem": 22.25, "tps": 1000.0, "tps_per_gpu": 1000.0, "mfu": None, "num_tokens_per_step": 2048,
     "num_label_tokens": 690},
    {"step": 2, "epoch": 0, "timestamp": "2026-03-04T10:00:04.000Z", "loss": 1.4, "grad_norm": 2.5, "lr": 1e-5,
     "mem": 22.0, "tps": 1000.0, "tps_per_gpu": 1000.0, "mfu": None, "num_tokens_per_step": 2048,
     "num_label_tokens": 710},
])


def test_short_lora_output():
    curve, done = finetune_logs.short_lora(SHORT_LORA)
    assert curve.losses[0] == (1, 5.950376510620117) and curve.steps == 5
    assert abs(curve.seconds_per_step - 0.010350) < 1e-6  # step 1's warm-up left out
    assert curve.peak_memory_bytes == 406921216 and curve.memory_kind == "rss"
    assert done["adapter"] == "adapter" and curve.lowered()


def test_short_lora_cut_short_has_no_final_record():
    curve, done = finetune_logs.short_lora(SHORT_LORA.splitlines(keepends=True)[1] + "Traceback ...\n")
    assert done == {} and curve.steps == 1 and curve.peak_memory_bytes is None and not curve.lowered()


def test_llama_factory_logs_with_vram():
    curve = finetune_logs.llama_factory(TRAINER_LOG, TRAIN_RESULTS, max_rss_kb=5_000_000)
    assert curve.losses == [(1, 2.31), (2, 2.02), (3, 1.71), (4, 1.52)]
    assert curve.seconds_per_step == 1.5
    assert curve.peak_memory_bytes == int(9.75 * 2**30) and curve.memory_kind == "cuda"


def test_llama_factory_on_a_cpu_reports_resident_memory():
    no_vram = "\n".join(json.dumps({k: v for k, v in json.loads(line).items() if not k.startswith("vram")})
                        for line in TRAINER_LOG.splitlines())
    curve = finetune_logs.llama_factory(no_vram, "", max_rss_kb=1024)
    assert curve.peak_memory_bytes == 1024 * 1024 and curve.memory_kind == "rss"
    assert curve.seconds_per_step is None


def test_nemo_training_jsonl():
    curve = finetune_logs.nemo(NEMO)
    assert curve.losses == [(0, 1.9), (1, 1.6), (2, 1.4)]
    assert curve.seconds_per_step == 2.0
    assert curve.peak_memory_bytes == int(22.25 * 2**30) and curve.memory_kind == "cuda"


def test_loss_that_rises_is_not_lowered():
    curve = finetune_logs.Curve(losses=[(i, 1.0 + i / 10) for i in range(1, 11)])
    assert not curve.lowered()
    assert not finetune_logs.Curve(losses=[(1, 2.0)]).lowered()
