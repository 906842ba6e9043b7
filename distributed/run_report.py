"""A run folder a student can read: ``result.json``, ``summary.md`` and ``plot.png`` (busbw against message
size for collectives and nccl-tests, the loss curve for train)."""

import json
import time
from pathlib import Path

import matplotlib

from distributed.results import CollectivesResult, GpuTelemetry, NcclTestsResult, Result, Row, Side, TrainResult

matplotlib.use("Agg")  # no display on the nodes or in CI
import matplotlib.pyplot as plt  # noqa: E402


def new_run_dir(base: str, kind: str) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path, suffix = Path(base) / f"{kind}-{stamp}", 1
    while path.exists():
        suffix += 1
        path = Path(base) / f"{kind}-{stamp}-{suffix}"
    path.mkdir(parents=True)
    return path


def human_bytes(size: float) -> str:
    for unit in ("B", "K", "M", "G"):
        if size < 1024 or unit == "G":
            return f"{size:g}{unit}" if unit == "B" else f"{size:.3g}{unit}"
        size /= 1024


def _cell(side: Side | None, key: str, spec: str) -> str:
    return "–" if side is None else format(side[key], spec)


def _bandwidth_rows(rows: list[Row]) -> list[str]:
    lines = ["| size | count | time out-of-place (us) | busbw out-of-place (GB/s) | busbw in-place (GB/s) "
             "| #wrong |", "|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        oop, ip = row["out_of_place"], row["in_place"]
        wrong = sum(side["wrong"] or 0 for side in (oop, ip) if side)
        lines.append(f"| {human_bytes(row['size'])} | {row['count']} | {_cell(oop, 'time_us', '.1f')} | "
                     f"{_cell(oop, 'busbw', '.3f')} | {_cell(ip, 'busbw', '.3f')} | {wrong} |")
    return lines


def _telemetry(telemetry: list[GpuTelemetry]) -> list[str]:
    lines = ["## GPU telemetry (nvidia-ml-py)", ""]
    for rank in telemetry:
        where = f"rank {rank['rank']} on {rank['host']}"
        if not rank["available"]:
            lines.append(f"- {where}: {rank['reason']}")
            continue
        parts = []
        for metric, value in rank["summary"].items():
            parts.append(f"{metric} {value}" if isinstance(value, str)
                         else f"{metric} mean {value['mean']:.4g} max {value['max']:.4g}")
        lines.append(f"- {where}, {rank['name']} ({len(rank['samples'])} samples): " + "; ".join(parts))
    return lines + [""]


def _collectives_md(result: CollectivesResult) -> list[str]:
    verdict = "PASS" if result["wrong_total"] == 0 else f"FAIL: {result['wrong_total']} wrong elements"
    lines = [f"# collectives: {verdict}", "",
             f"{result['world_size']} ranks on {', '.join(result['hosts'])}, backend {result['backend']} "
             f"({result['device_type']}), {result['dtype']}, {result['iters']} timed runs per size.", ""]
    for op, data in result["ops"].items():
        lines += [f"## {op}: avg bus bandwidth {data['avg_busbw']:.4g} GB/s, #wrong {data['wrong_total']}",
                  ""]
        lines += _bandwidth_rows(data["rows"]) + [""]
    return lines + _telemetry(result["telemetry"])


def _nccl_md(result: NcclTestsResult) -> list[str]:
    verdict, parsed = result["verdict"], result["parsed"]
    busbw = verdict["avg_busbw_gbps"]
    lines = [f"# nccl-tests {result['test']}: {verdict['status'].upper()}", ""]
    lines += [f"- {reason}" for reason in verdict["reasons"]]
    lines += ["", f"Avg bus bandwidth: {'–' if busbw is None else f'{busbw:.4g}'} GB/s; threshold "
              f"{verdict['threshold_gbps']:g} GB/s; line rate {verdict['line_rate_gbps']:g} GB/s"
              + ("" if busbw is None else f" ({100 * verdict['fraction_of_line_rate']:.0f} % of it)")
              + ".", "",
              f"Hosts: {', '.join(result['hosts'])}. Command:", "", f"    {result['command']}", ""]
    return lines + _bandwidth_rows(parsed["rows"]) + [""]


def _train_md(result: TrainResult) -> list[str]:
    strategy = result["strategy"] + (f" ZeRO-{result['zero_stage']}" if result["zero_stage"] else "") \
        + (f" HSDP mesh {result['mesh_shape']}" if result["hsdp"] else "")
    trend = "not enough steps to judge" if result["loss_decreased"] is None else (
        f"first-5 mean {result['first5_mean']:.4f} → last-5 mean {result['last5_mean']:.4f} "
        f"({'decreased' if result['loss_decreased'] else 'did NOT decrease'})")
    what = "the small GPT" if not result.get("model") else f"model {result['model']}"
    lora = result.get("lora")
    if lora:
        targets = lora["targets"] if isinstance(lora["targets"], str) else ",".join(lora["targets"])
        what += f" with LoRA r={lora['r']} alpha={lora['alpha']:g} on {targets}"
    trainable = result.get("trainable_parameters", result["parameters"])
    saved = result.get("saved")
    lines = [f"# train: {strategy}", "",
             f"{result['world_size']} ranks on {', '.join(result['hosts'])}, backend {result['backend']} "
             f"({result['device_type']}), {result['precision']}, {what}: {result['parameters']:,} parameters"
             + (f" ({trainable:,} trained)" if trainable != result["parameters"] else "")
             + f", data {result['data']}.", "",
             f"- steps {result['first_step']}–{result['steps']}"
             + (f" (resumed from step {result['resumed_from']})" if result["resumed_from"] else ""),
             f"- loss: {trend}",
             f"- throughput: {result['tokens_per_s'] or 0:.0f} tokens/s "
             f"({result['tokens_per_step']} tokens per step)",
             "- peak memory: " + "; ".join(f"rank {m['rank']} {m['bytes'] / 2**20:.0f} MiB ({m['what']})"
                                           for m in result["peak_memory"]),
             f"- checkpoints: {', '.join(result['checkpoints']) or 'none'}"]
    if saved:
        lines.append(f"- saved {saved['what']} (save_pretrained): {saved['path']} on {saved['host']}")
    lines.append("")
    return lines + _telemetry(result["telemetry"])


def _busbw_plot(ax, named_rows: dict[str, list[Row]], title: str) -> None:
    for index, (name, rows) in enumerate(named_rows.items()):
        for place, style in (("out_of_place", "-o"), ("in_place", "--x")):
            points = [(row["size"], row[place]["busbw"]) for row in rows if row[place]]
            if points:
                sizes, busbw = zip(*points, strict=True)
                ax.plot(sizes, busbw, style, color=f"C{index}", label=f"{name} {place.replace('_', '-')}")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("message size (bytes)")
    ax.set_ylabel("bus bandwidth (GB/s)")
    ax.set_title(title)


def _plot(result: Result, path: Path) -> None:
    figure, ax = plt.subplots(figsize=(8, 5))
    if result["kind"] == "train":
        steps = range(result["first_step"], result["first_step"] + len(result["losses"]))
        ax.plot(steps, result["losses"], "-o", markersize=3)
        ax.set_xlabel("step")
        ax.set_ylabel("loss (mean over ranks)")
        ax.set_title(f"train {result['strategy']}" + (f" {result['model']}" if result.get("model") else "")
                     + ": loss")
    elif result["kind"] == "collectives":
        _busbw_plot(ax, {op: data["rows"] for op, data in result["ops"].items()},
                    f"collectives, {result['backend']}, {result['world_size']} ranks")
    else:
        _busbw_plot(ax, {result["test"]: result["parsed"]["rows"]}, f"nccl-tests {result['test']}")
        ax.axhline(result["verdict"]["threshold_gbps"], color="red", linestyle=":", label="threshold")
        ax.axhline(result["verdict"]["line_rate_gbps"], color="black", linestyle=":", label="line rate")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def write_report(run_dir: Path, result: Result) -> dict[str, Path]:
    paths = {"json": run_dir / "result.json", "markdown": run_dir / "summary.md",
             "plot": run_dir / "plot.png"}
    paths["json"].write_text(json.dumps(result, indent=1) + "\n")
    markdown = {"collectives": _collectives_md, "nccl-tests": _nccl_md, "train": _train_md}[result["kind"]]
    paths["markdown"].write_text("\n".join(markdown(result)) + "\n")
    _plot(result, paths["plot"])
    return paths
