"""The report of `python -m sparklab.finetune`: a table, ``result.json``, ``summary.md`` and ``loss.png`` (one loss
curve per host and environment) in a local folder, next to each run's collected logs (``<host>/<env>/``)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display in CI or over SSH
import matplotlib.pyplot as plt  # noqa: E402

REASON_WIDTH = 60  # the table cuts a reason here (result.json and summary.md keep it whole)
COLUMNS = ("host", "environment", "result", "steps", "s/step", "peak memory", "loss first → last", "adapter")


def new_folder(out: Path, stamp: str) -> Path:
    folder, suffix = out / f"finetune-{stamp}", 1
    while folder.exists():
        suffix += 1
        folder = out / f"finetune-{stamp}-{suffix}"
    folder.mkdir(parents=True)
    return folder


def _memory(run) -> str:
    curve = run.curve
    if curve.peak_memory_bytes is None:
        return "–"
    return f"{curve.peak_memory_bytes / 2**30:.2f} GiB ({'GPU' if curve.memory_kind == 'cuda' else 'RSS'})"


def _loss(run) -> str:
    losses = run.curve.losses
    return f"{losses[0][1]:.4f} → {losses[-1][1]:.4f}" if losses else "–"


def _reason(text: str, width: int | None) -> str:
    return text if width is None or len(text) <= width else text[:width - 1].rstrip() + "…"


def row(run, reason_width: int | None = None) -> list[str]:
    per_step = run.curve.seconds_per_step
    result = run.status + (f" ({_reason(run.reason, reason_width)})" if run.reason else "")
    return [run.host, run.env, result, str(run.curve.steps or "–"), f"{per_step:.3f}" if per_step else "–",
            _memory(run), _loss(run), run.artifact if run.status == "PASS" else "–"]


def table(runs) -> str:
    rows = [list(COLUMNS), *(row(r, REASON_WIDTH) for r in runs)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)).rstrip()
                     for r in rows)


def to_json(run) -> dict:
    curve = run.curve
    return {"host": run.host, "env": run.env, "status": run.status, "reason": run.reason, "folder": run.folder,
            "artifact": run.artifact if run.status == "PASS" else None, "seconds": round(run.seconds, 1),
            "steps": curve.steps, "seconds_per_step": curve.seconds_per_step,
            "peak_memory_bytes": curve.peak_memory_bytes, "memory_kind": curve.memory_kind or None,
            "loss_first": curve.losses[0][1] if curve.losses else None,
            "loss_last": curve.losses[-1][1] if curve.losses else None,
            "loss_lowered": curve.lowered() if curve.losses else None,
            "losses": [loss for _, loss in curve.losses]}


def _plot(runs, path: Path) -> None:
    figure, ax = plt.subplots(figsize=(8, 5))
    for run in runs:
        if run.curve.losses:
            steps, losses = zip(*run.curve.losses, strict=True)
            ax.plot(steps, losses, "-o", markersize=3, label=f"{run.host} {run.env}")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_title("short LoRA fine-tune per environment")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write(folder: Path, runs) -> dict:
    """Write the report; the JSON result."""
    statuses = {r.status for r in runs}
    result = {"kind": "finetune", "status": "FAIL" if "FAIL" in statuses else "PASS" if "PASS" in statuses
              else "N/A", "runs": [to_json(r) for r in runs]}
    (folder / "result.json").write_text(json.dumps(result, indent=1) + "\n")
    (folder / "summary.md").write_text("# short LoRA fine-tune\n\n" + "\n".join(
        "| " + " | ".join(cells) + " |" for cells in [list(COLUMNS), ["---"] * len(COLUMNS),
                                                       *(row(r) for r in runs)]) + "\n\nLoss curves: loss.png\n")
    _plot(runs, folder / "loss.png")
    return result
