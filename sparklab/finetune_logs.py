"""What a short fine-tune left behind, read into one shape (:class:`Curve`), for each environment's own format:

- ``short_lora`` — templates/finetune/short_lora.py (PyTorch/PEFT and Unsloth): JSON lines
  ``{"step", "loss", "seconds"}`` then ``{"done": true, "adapter", "peak_memory_bytes", "memory_kind"}``;
- ``llama_factory`` — LLaMA Factory's ``trainer_log.jsonl`` (``current_steps``, ``loss``, and ``vram_allocated``
  in GiB when run with ``RECORD_VRAM=1`` on a GPU) and ``train_results.json`` (``train_runtime``);
- ``nemo`` — NeMo AutoModel's ``checkpoints/training.jsonl`` (``step``, ``loss``, ``mem`` in GiB, ``timestamp``),
  what its ``train_ft`` recipe writes next to ``checkpoints/LATEST``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

GIB = 1024**3


@dataclass
class Curve:
    losses: list[tuple[int, float]] = field(default_factory=list)  # (step, loss), in step order
    seconds_per_step: float | None = None
    peak_memory_bytes: int | None = None
    memory_kind: str = ""  # "cuda": the framework's peak allocation; "rss": the process's peak resident memory

    @property
    def steps(self) -> int:
        return self.losses[-1][0] if self.losses else 0

    def lowered(self) -> bool:
        """The loss fell: the mean of the last fifth of the steps is below that of the first fifth (one step's
        noise on a tiny batch must not decide it)."""
        if len(self.losses) < 2:
            return False
        n = max(1, len(self.losses) // 5)
        first, last = [loss for _, loss in self.losses[:n]], [loss for _, loss in self.losses[-n:]]
        return sum(last) / n < sum(first) / n


def _json_lines(text: str) -> list[dict]:
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a framework's own log line that happens to start with a brace
    return rows


def short_lora(stdout: str) -> tuple[Curve, dict]:
    """The curve and the final record (``{}`` when the run did not finish)."""
    rows = _json_lines(stdout)
    steps = [r for r in rows if "step" in r and "loss" in r]
    done = next((r for r in rows if r.get("done")), {})
    seconds = [r["seconds"] for r in steps[1:]] or [r["seconds"] for r in steps]  # step 1 includes warm-up
    return Curve(losses=[(r["step"], float(r["loss"])) for r in steps],
                 seconds_per_step=sum(seconds) / len(seconds) if seconds else None,
                 peak_memory_bytes=done.get("peak_memory_bytes"), memory_kind=done.get("memory_kind", "")), done


def llama_factory(trainer_log: str, train_results: str, max_rss_kb: int | None) -> Curve:
    rows = [r for r in _json_lines(trainer_log) if "loss" in r and "current_steps" in r]
    results = json.loads(train_results) if train_results.strip() else {}
    vram = max((r.get("vram_allocated", 0) for r in rows), default=0)
    steps = rows[-1]["current_steps"] if rows else 0
    runtime = results.get("train_runtime")
    if vram:
        peak, kind = int(vram * GIB), "cuda"
    else:
        peak, kind = (max_rss_kb * 1024, "rss") if max_rss_kb else (None, "")
    return Curve(losses=[(r["current_steps"], float(r["loss"])) for r in rows],
                 seconds_per_step=runtime / steps if runtime and steps else None, peak_memory_bytes=peak,
                 memory_kind=kind)


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def nemo(training_jsonl: str) -> Curve:
    rows = [r for r in _json_lines(training_jsonl) if "step" in r and "loss" in r]
    seconds = None
    stamped = [r for r in rows if r.get("timestamp")]
    if len(stamped) >= 2:
        span = _when(stamped[-1]["timestamp"]) - _when(stamped[0]["timestamp"])
        seconds = span.total_seconds() / (stamped[-1]["step"] - stamped[0]["step"] or 1)
    mem = max((float(r.get("mem", 0)) for r in rows), default=0.0)
    return Curve(losses=[(int(r["step"]), float(r["loss"])) for r in rows], seconds_per_step=seconds,
                 peak_memory_bytes=int(mem * GIB) if mem else None, memory_kind="cuda" if mem else "")
