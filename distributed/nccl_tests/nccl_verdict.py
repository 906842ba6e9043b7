"""Pass or fail for an nccl-tests run between two nodes, the way NVIDIA's deepops validation scripts answer.

Exit 0 pass, 1 fail (wrong data, bus bandwidth below the threshold or above the line rate), 2 when there is
nothing to judge (the binary did not run or printed no rows).
"""

from statistics import mean

from distributed.nccl_tests.nccl_output import wrong_total
from distributed.results import NcclRun, Verdict
from sparklab.toolcli import FAIL, PASS, USAGE


def avg_busbw(result: NcclRun) -> float | None:
    """nccl-tests' "Avg bus bandwidth" line, else the mean busbw over every measured size and place."""
    if result["avg_busbw"] is not None:
        return result["avg_busbw"]
    sides = [side for row in result["rows"] for side in (row["out_of_place"], row["in_place"]) if side]
    values = [side["busbw"] for side in sides]
    return mean(values) if values else None


def judge(result: NcclRun, threshold_gbps: float, line_rate_gbps: float) -> Verdict:
    busbw = avg_busbw(result)
    verdict = {"avg_busbw_gbps": busbw, "threshold_gbps": threshold_gbps, "line_rate_gbps": line_rate_gbps,
               "fraction_of_line_rate": None if busbw is None else busbw / line_rate_gbps, "reasons": []}
    reasons = verdict["reasons"]
    if not result["rows"]:
        first_error = f": {result['errors'][0]}" if result["errors"] else ""
        reasons.append("nccl-tests printed no result rows" + first_error)
        return {**verdict, "status": "error", "exit_code": USAGE}
    wrong = wrong_total(result)
    if wrong or result["out_of_bounds"]:
        count = max(wrong, result["out_of_bounds"] or 0)
        reasons.append(f"{count} wrong elements (#wrong / Out of bounds values)")
    if busbw < threshold_gbps:
        reasons.append(f"Avg bus bandwidth {busbw:g} GB/s is below the threshold {threshold_gbps:g} GB/s")
    if busbw > line_rate_gbps:
        reasons.append(f"Avg bus bandwidth {busbw:g} GB/s exceeds the line rate {line_rate_gbps:g} GB/s: "
                       "the traffic did not cross the QSFP link")
    failed = bool(reasons)
    return {**verdict, "status": "fail" if failed else "pass", "exit_code": FAIL if failed else PASS}
