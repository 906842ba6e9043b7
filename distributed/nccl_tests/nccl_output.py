"""Parse what an nccl-tests binary leaves: its text on stdout and its ``-J`` JSON file (format version 2).

Both give the same structure: test name, devices, rows (size, count, type, redop, root, out_of_place and
in_place each with time_us, algbw, busbw, wrong), out-of-bounds count, average bus bandwidth, errors.
Lines that are not nccl-tests' own (NCCL INFO, ssh warnings, mpirun noise) are skipped.
"""

import json
import re

from distributed.results import NcclRun, Row, Side

_TYPES = {"int8", "uint8", "int32", "uint32", "int64", "uint64", "half", "float", "double", "bfloat16",
          "fp8_e4m3", "fp8_e5m2", "f8e4m3", "f8e5m2"}
_NUMBER = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|nan|inf)"
_HEADER = re.compile(r"#\s*nThread (\d+) nGpus (\d+) minBytes (\d+) maxBytes (\d+)")
_VERSION = re.compile(r"#\s*nccl-tests version (\S+)(?:.*nccl-library=(\d+))?")
_STARTING = re.compile(r"#\s*Collective test starting: (\S+)")
_DEVICE = re.compile(
    r"#\s*Rank\s+(\d+)\s+Group\s+(\d+)\s+Pid\s+(\d+)\s+on\s+(\S+)\s+device\s+(\d+)\s+\[([^\]]*)\]\s*(.*)")
_OUT_OF_BOUNDS = re.compile(r"#\s*Out of bounds values\s*:\s*(\d+)")
_AVG_BUSBW = re.compile(rf"#\s*Avg bus bandwidth\s*:\s*({_NUMBER})")
_FAILURE = re.compile(r"(Test (?:NCCL |CUDA )?failure.*|# error: .*)")


def _number(token: str) -> float:
    return float(token)


def _side(tokens: list[str]) -> Side:
    time_us, algbw, busbw, wrong = tokens
    return {
        "time_us": _number(time_us), "algbw": _number(algbw), "busbw": _number(busbw),
        "wrong": None if wrong == "N/A" else int(float(wrong)),
    }


def _row(line: str) -> Row | None:
    """A result row, or None for any other line. Handles both sides, one side, and rows without root."""
    tokens = line.split()
    if len(tokens) < 8 or not (tokens[0].isdigit() and tokens[1].isdigit()) or tokens[2] not in _TYPES:
        return None
    rest = tokens[4:]
    root = -1
    if len(rest) in (5, 9) and re.fullmatch(r"-?\d+", rest[0]):
        root, rest = int(rest[0]), rest[1:]
    if len(rest) not in (4, 8) or not all(re.fullmatch(_NUMBER + "|N/A", t) for t in rest):
        return None
    sides = [_side(rest[i : i + 4]) for i in range(0, len(rest), 4)]
    out_of_place, in_place = sides if len(sides) == 2 else (None, sides[0])
    return {"size": int(tokens[0]), "count": int(tokens[1]), "type": tokens[2], "redop": tokens[3],
            "root": root, "out_of_place": out_of_place, "in_place": in_place}


def parse_text(text: str) -> NcclRun:
    """The result of one nccl-tests run from its stdout."""
    result: NcclRun = {"test": None, "version": None, "nccl_version": None, "config": None, "devices": [], "rows": [],
              "out_of_bounds": None, "avg_busbw": None, "errors": []}
    for raw in text.splitlines():
        line = raw.strip().replace("\r", "")
        if match := _VERSION.match(line):
            result["version"] = match[1]
            result["nccl_version"] = int(match[2]) if match[2] else None
        elif match := _STARTING.match(line):
            result["test"] = match[1]
        elif match := _HEADER.match(line):
            result["config"] = {"nthreads": int(match[1]), "ngpus": int(match[2]),
                                "min_bytes": int(match[3]), "max_bytes": int(match[4])}
        elif match := _DEVICE.match(line):
            result["devices"].append({"rank": int(match[1]), "host": match[4], "device": int(match[5]),
                                      "name": match[7].strip()})
        elif match := _OUT_OF_BOUNDS.match(line):
            result["out_of_bounds"] = int(match[1])
        elif match := _AVG_BUSBW.match(line):
            result["avg_busbw"] = float(match[1])
        elif row := _row(line):
            result["rows"].append(row)
        elif match := _FAILURE.search(line):
            result["errors"].append(match[1])
    return result


def _json_number(value) -> float:
    return float(value)  # nccl-tests writes NaN as the string "nan"


def _json_side(side: dict | None) -> Side | None:
    if side is None:
        return None
    return {
        "time_us": _json_number(side.get("time", side.get("cpu_time"))),
        "algbw": _json_number(side["alg_bw"]), "busbw": _json_number(side["bus_bw"]),
        "wrong": None if side.get("nwrong") is None else int(_json_number(side["nwrong"])),
    }


def parse_json(text: str) -> NcclRun:
    """The result of one nccl-tests run from its ``-J`` file."""
    data = json.loads(text)
    config = data.get("config") or {}
    devices = data.get("devices", config.get("devices", []))  # util.cu nests devices inside config
    out_of_bounds = data.get("out_of_bounds") or {}
    average = data.get("average_bus_bandwidth") or {}
    args = data.get("args") or []
    return {
        "test": args[0].rsplit("/", 1)[-1] if args else None,
        "version": None,
        "nccl_version": data.get("nccl_version"),
        "config": {"nthreads": config.get("nthreads"), "ngpus": config.get("ngpus"),
                   "min_bytes": config.get("minimum_bytes"), "max_bytes": config.get("maximum_bytes")},
        "devices": [{"rank": d.get("rank"), "host": d.get("hostname"), "device": d.get("device"),
                     "name": d.get("device_info")} for d in devices],
        "rows": [
            {"size": int(r["size"]), "count": int(r["count"]), "type": r["type"], "redop": r["redop"],
             "root": int(str(r["root"]).strip()), "out_of_place": _json_side(r.get("out_of_place")),
             "in_place": _json_side(r.get("in_place"))}
            for r in data.get("results") or []
        ],
        "out_of_bounds": out_of_bounds.get("count"),
        "avg_busbw": None if "bandwidth" not in average else _json_number(average["bandwidth"]),
        "errors": list(data.get("errors") or []),
    }


def wrong_total(result: NcclRun) -> int:
    return sum(side["wrong"] or 0 for row in result["rows"]
               for side in (row["out_of_place"], row["in_place"]) if side)
