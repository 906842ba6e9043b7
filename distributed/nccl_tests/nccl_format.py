"""nccl-tests' arithmetic and text layout, read from its source (NVIDIA/nccl-tests 2.19: src/*.cu, util.cu).

Byte counts (``*GetCollByteCount``), bandwidths (``*GetBw``, GB = 1e9 bytes) and the printf formats of the
result table, so that our own benchmark prints rows an nccl-tests reader (or parser) already knows.
"""

import math

from distributed.results import Row, Side

OPS = ("all_reduce", "all_gather", "reduce_scatter", "broadcast", "all_to_all")
# Ops whose printed count is per rank and whose buffer is split across ranks (16-byte aligned chunks).
_SPLIT_OPS = ("all_gather", "reduce_scatter", "all_to_all")
REDOP = {"all_reduce": "sum", "reduce_scatter": "sum", "all_gather": "none", "broadcast": "none",
         "all_to_all": "none"}
ROOT = {"broadcast": 0}


def byte_counts(op: str, nbytes: int, elem_size: int, nranks: int) -> tuple[int, int]:
    """(count, size) as nccl-tests prints them for a requested size in bytes."""
    count = nbytes // elem_size
    if op in _SPLIT_OPS:
        per_rank = (count // nranks) & ~(16 // elem_size - 1)
        return per_rank, per_rank * nranks * elem_size
    return count, count * elem_size


def bandwidths(op: str, count: int, elem_size: int, seconds: float, nranks: int) -> tuple[float, float]:
    """(algbw, busbw) in GB/s; busbw scales algbw to what each link carries, comparable to line rate."""
    if op in _SPLIT_OPS:
        algbw = count * elem_size * nranks / 1e9 / seconds
        return algbw, algbw * (nranks - 1) / nranks
    algbw = count * elem_size / 1e9 / seconds
    if op == "all_reduce":
        return algbw, algbw * 2 * (nranks - 1) / nranks
    return algbw, algbw


def float_field(value: float, width: int) -> str:
    """nccl-tests' getFloatStr: 2 decimals, fewer as the number grows, then e-notation, to fit ``width``."""
    if not math.isfinite(value):
        return f"{value:>{width}}"
    power, bound = 0, 1
    while value >= bound:
        power += 1
        bound *= 10
    if power < width - 2:
        return f"{value:{width}.2f}"
    if power < width - 1:
        return f"{value:{width}.1f}"
    if power < width + 1:
        return f"{value:{width}.0f}"
    return f"{value:{width}.1e}" if width >= 7 else f"{value:{width}.0e}"


def header_lines() -> list[str]:
    lines = [
        "#",
        "# %10s  %12s  %8s  %6s  %6s           out-of-place                       in-place"
        % ("", "", "", "", ""),
        "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s"
        % ("size", "count", "type", "redop", "root", "time", "algbw", "busbw", "#wrong", "time", "algbw",
           "busbw", "#wrong"),
        "# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s"
        % ("(B)", "(elements)", "", "", "", "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", ""),
    ]
    return [line.rstrip() for line in lines]


def _side(result: Side | None) -> str:
    if result is None:  # not run (nccl-tests' writeBenchMarkLineNullBody)
        return " " * 32
    wrong = "    N/A" if result["wrong"] is None else "  %6g" % result["wrong"]
    return "  %7s  %6s  %6s%s" % (
        float_field(result["time_us"], 7), float_field(result["algbw"], 6), float_field(result["busbw"], 6),
        wrong,
    )


def row_line(row: Row) -> str:
    """One result row; ``row`` has size, count, type, redop, root, out_of_place and in_place."""
    line = "%12li  %12li  %8s  %6s  %6s" % (row["size"], row["count"], row["type"], row["redop"],
                                             "%6i" % row["root"])
    return (line + _side(row["out_of_place"]) + _side(row["in_place"])).rstrip()


def footer_lines(wrong_total: int, avg_busbw: float, test_name: str) -> list[str]:
    return [
        "# %-20s : %d %s" % ("Out of bounds values", wrong_total, "FAILED" if wrong_total else "OK"),
        "# %-20s : %g" % ("Avg bus bandwidth", avg_busbw),
        "#",
        f"# Collective test concluded: {test_name}",
    ]
