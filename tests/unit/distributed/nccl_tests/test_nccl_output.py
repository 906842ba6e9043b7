"""nccl-tests output parsing, text and -J JSON, on outputs in the layouts of nccl-tests 2.x and older."""

from pathlib import Path

import pytest

from distributed.nccl_tests.nccl_output import parse_json, parse_text, wrong_total

OUTPUTS = Path(__file__).parent / "nccl_outputs"


def text(name):
    return (OUTPUTS / name).read_text()


def test_two_spark_all_gather_text():
    result = parse_text(text("all_gather_16G_two_sparks.txt"))
    assert result["test"] == "all_gather_perf"
    assert (result["version"], result["nccl_version"]) == ("2.17.6", 22809)
    assert result["config"] == {"nthreads": 1, "ngpus": 1, "min_bytes": 17179869184, "max_bytes": 17179869184}
    assert [(d["rank"], d["host"], d["name"]) for d in result["devices"]] == [
        (0, "spark-1", "NVIDIA GB10"), (1, "spark-2", "NVIDIA GB10")]
    assert result["rows"] == [{
        "size": 17179869184, "count": 2147483648, "type": "float", "redop": "none", "root": -1,
        "out_of_place": {"time_us": 374610.0, "algbw": 45.86, "busbw": 22.93, "wrong": 0},
        "in_place": {"time_us": 372911.0, "algbw": 46.07, "busbw": 23.03, "wrong": 0},
    }]
    assert (result["out_of_bounds"], result["avg_busbw"], result["errors"]) == (0, 22.9812, [])


def test_failing_wrong_counts_in_e_notation():
    result = parse_text(text("all_reduce_wrong_two_nodes.txt"))
    assert result["test"] is None and result["version"] is None  # older nccl-tests print neither line
    assert len(result["rows"]) == 14 and result["rows"][0]["size"] == 8 and result["rows"][-1]["size"] == 536870912
    assert result["rows"][6]["out_of_place"]["wrong"] == 0
    assert result["rows"][10]["out_of_place"]["wrong"] == 1048580  # printed "1.04858e+06" (%6g)
    assert result["rows"][-1]["in_place"] == {"time_us": 203391.0, "algbw": 2.64, "busbw": 2.64, "wrong": 67108900}
    assert result["out_of_bounds"] == 14
    assert wrong_total(result) > 0


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # nccl-tests < 2.x: no root column
        ("      524288        131072   float     sum    92.84    5.65    5.65      0    91.64    5.72    5.72      0",
         {"root": -1, "in_place": {"time_us": 91.64, "algbw": 5.72, "busbw": 5.72, "wrong": 0}}),
        # validation off (-c 0) and alltoall in place: #wrong is N/A
        ("    33554432       8388608     float    none      -1    19.56  1715.44    0.00      0     0.78  43046.10"
         "    0.00    N/A", {"root": -1, "in_place": {"time_us": 0.78, "algbw": 43046.1, "busbw": 0.0, "wrong": None}}),
        # trace replay: out-of-place left blank
        ("        1024           256     float     sum       0                                  12.31    0.08"
         "    0.08      0", {"root": 0, "out_of_place": None}),
    ],
)
def test_row_variants(line, expected):
    (row,) = parse_text(line)["rows"]
    assert {key: row[key] for key in expected} == expected


def test_failure_lines_and_no_rows():
    result = parse_text(
        "# nThread 1 nGpus 1 minBytes 8 maxBytes 8 step: 2(factor) warmup iters: 1 iters: 20 agg iters: 1 "
        "validation: 1 graph: 0\nspark-1: Test NCCL failure common.cu:1279 'unhandled system error'\n"
        " .. spark-1 pid 4242: Test failure common.cu:1100\n")
    assert result["rows"] == []
    assert result["errors"][0] == "Test NCCL failure common.cu:1279 'unhandled system error'"


def test_json_gives_the_same_result_as_text():
    from_json = parse_json(text("all_gather_16G_two_sparks.json"))
    from_text = parse_text(text("all_gather_16G_two_sparks.txt"))
    assert from_json["test"] == "all_gather_perf" and from_json["nccl_version"] == 22809
    assert [(d["host"], d["name"]) for d in from_json["devices"]] == \
        [(d["host"], d["name"]) for d in from_text["devices"]]
    (json_row,), (text_row,) = from_json["rows"], from_text["rows"]
    assert {k: json_row[k] for k in ("size", "count", "type", "redop", "root")} == \
        {k: text_row[k] for k in ("size", "count", "type", "redop", "root")}
    for place in ("out_of_place", "in_place"):
        assert json_row[place]["busbw"] == pytest.approx(text_row[place]["busbw"], abs=0.01)
        assert json_row[place]["wrong"] == 0
    assert from_json["avg_busbw"] == pytest.approx(from_text["avg_busbw"], abs=1e-4)
    assert from_json["out_of_bounds"] == 0


def test_json_with_wrong_elements_and_nan():
    result = parse_json(text("all_reduce_wrong.json"))
    (row,) = result["rows"]
    assert row["out_of_place"]["wrong"] == 4
    assert row["in_place"]["wrong"] is None and row["in_place"]["time_us"] != row["in_place"]["time_us"]  # NaN
    assert result["out_of_bounds"] == 4 and wrong_total(result) == 4
