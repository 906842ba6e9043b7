"""The comparison table, the JSON document and the verdict (exit status as NVIDIA's deepops validation scripts:
0 pass, 1 fail, 2 usage error)."""

from __future__ import annotations

import json

from sparklab.toolcli import FAIL, PASS

COLUMNS = ("host", "engine", "model", "TTFT ms", "prefill tok/s", "decode tok/s", "requests")
NUMERIC = {"TTFT ms", "prefill tok/s", "decode tok/s", "requests"}
UNKNOWN = "-"


def _number(value: float | None) -> str:
    return UNKNOWN if value is None else f"{value:.1f}"


def _cells(row: dict) -> list[str]:
    head = [row["host"], row["engine"], row["model"] or UNKNOWN]
    if row["status"] == "not running":
        return head + ["not running", "", "", ""]
    numbers = [_number(row["ttft_ms"]), _number(row["prefill_tps"]), _number(row["decode_tps"]),
               str(row["requests"])]
    if row["status"] == "error":
        numbers[0] = "ERROR" if not row["requests"] else numbers[0]
        numbers[3] += " ERROR" if row["requests"] else ""
    return head + numbers


def table(rows: list[dict]) -> str:
    """Aligned columns, one row per engine (sorted by host, then engine), then what went wrong."""
    rows = sorted(rows, key=lambda r: (r["host"], r["engine"]))
    body = [_cells(row) for row in rows]
    widths = [max(len(line[i]) for line in [list(COLUMNS), *body]) for i in range(len(COLUMNS))]

    def line(cells: list[str], plain: bool = False) -> str:
        text = [cell.rjust(width) if column in NUMERIC and not plain else cell.ljust(width)
                for cell, width, column in zip(cells, widths, COLUMNS, strict=True)]
        return "  ".join(text).rstrip()

    lines = [line(list(COLUMNS)), "  ".join("-" * w for w in widths)]
    for row, cells in zip(rows, body, strict=True):
        lines.append(line(cells, plain=row["status"] == "not running"))
    notes = [f"{row['host']} {row['engine']}: {row['error']}" for row in rows if row["status"] == "error"]
    unknown = [f"{row['host']} {row['engine']}" for row in rows
               if row["status"] == "ok" and row["requests"] and row["prefill_tps"] is None]
    if unknown:
        notes.append(f"prefill unknown for {', '.join(unknown)}: no token usage in the stream")
    return "\n".join(lines + ([""] + notes if notes else []))


def exit_status(rows: list[dict]) -> int:
    """0: at least one engine measured and no running engine failed; 1 otherwise."""
    ok = any(r["status"] == "ok" for r in rows)
    failed = any(r["status"] == "error" for r in rows)
    return PASS if ok and not failed else FAIL


def verdict(rows: list[dict]) -> str:
    counts = {status: sum(r["status"] == status for r in rows) for status in ("ok", "not running", "error")}
    failed = [f"{r['host']} {r['engine']}" for r in rows if r["status"] == "error"]
    parts = [f"{counts['ok']} measured", f"{counts['not running']} not running"]
    if failed:
        parts.append(f"{len(failed)} failed ({', '.join(failed)})")
    word = "PASS" if exit_status(rows) == PASS else "FAIL"
    reason = "" if counts["ok"] or failed else ": no engine running"
    return f"engines bench: {word}{reason} — {len(rows)} engines: {', '.join(parts)}"


def document(rows: list[dict], settings: dict) -> dict:
    return {"status": "pass" if exit_status(rows) == PASS else "fail",
            "engines": sorted(rows, key=lambda r: (r["host"], r["engine"])), "settings": settings}


def to_json(doc: dict) -> str:
    return json.dumps(doc, indent=1) + "\n"
