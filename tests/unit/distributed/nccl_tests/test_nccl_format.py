"""nccl-tests arithmetic and layout: byte counts, busbw formulas, number formatting, size parsing."""

import pytest

from distributed.nccl_tests.nccl_format import (
    bandwidths,
    byte_counts,
    float_field,
    footer_lines,
    header_lines,
    row_line,
)
from distributed.nccl_tests.nccl_output import parse_text


@pytest.mark.parametrize(
    ("op", "nbytes", "elem", "nranks", "expected"),
    [
        ("all_reduce", 1024, 4, 2, (256, 1024)),
        ("broadcast", 1000, 4, 8, (250, 1000)),
        ("all_gather", 1024, 4, 2, (128, 1024)),  # count per rank, size = whole output
        ("reduce_scatter", 1000, 4, 3, (80, 960)),  # 250 // 3 = 83, aligned down to 16 bytes = 80 elements
        ("all_to_all", 17179869184, 4, 2, (2147483648, 17179869184)),
        ("all_gather", 24, 4, 2, (0, 0)),  # below 16 bytes per rank: nothing to send
        ("all_gather", 64, 2, 2, (16, 64)),  # half: 8-element alignment
    ],
)
def test_byte_counts(op, nbytes, elem, nranks, expected):
    assert byte_counts(op, nbytes, elem, nranks) == expected


@pytest.mark.parametrize(
    ("op", "nranks", "algbw", "busbw"),
    [
        # count 1e9 elements of 4 bytes in 1 s
        ("all_reduce", 2, 4.0, 4.0),  # 2(n-1)/n = 1
        ("all_reduce", 8, 4.0, 7.0),  # 2*7/8
        ("broadcast", 8, 4.0, 4.0),
        ("all_gather", 2, 8.0, 4.0),  # algbw counts the whole output: count*elem*n
        ("reduce_scatter", 4, 16.0, 12.0),
        ("all_to_all", 2, 8.0, 4.0),
    ],
)
def test_bus_bandwidth_formulas(op, nranks, algbw, busbw):
    assert bandwidths(op, 10**9, 4, 1.0, nranks) == pytest.approx((algbw, busbw))


def test_two_spark_all_gather_numbers_agree_with_the_formula():
    # 16 GiB all_gather between two Sparks in 374.61 ms: nccl-tests printed 45.86 / 22.93 GB/s
    algbw, busbw = bandwidths("all_gather", 2147483648, 4, 0.37461, 2)
    assert (round(algbw, 2), round(busbw, 2)) == (45.86, 22.93)


@pytest.mark.parametrize(
    ("value", "width", "text"),
    [(13.97, 7, "  13.97"), (1248.3, 7, "1248.30"), (18679.0, 7, "18679.0"), (374610.4, 7, " 374610"),
     (12345678.0, 7, "1.2e+07"), (0.0, 6, "  0.00"), (45.861, 6, " 45.86"), (1715.44, 6, "1715.4"),
     (43046.1, 6, " 43046"), (123456789.0, 6, " 1e+08")],
)
def test_float_field_is_nccl_tests_getfloatstr(value, width, text):
    assert float_field(value, width) == text


def test_our_rows_read_back_through_the_nccl_tests_parser():
    row = {"size": 4194304, "count": 1048576, "type": "float", "redop": "sum", "root": -1,
           "out_of_place": {"time_us": 11554.16, "algbw": 0.363, "busbw": 0.363, "wrong": 0},
           "in_place": {"time_us": 10319.07, "algbw": 0.4065, "busbw": 0.4065, "wrong": 2097152}}
    line = row_line(row)
    assert line == ("     4194304       1048576     float     sum      -1  11554.2    0.36    0.36       0  10319.1"
                    "    0.41    0.41  2.09715e+06")
    text = "\n".join(header_lines() + [line] + footer_lines(2097152, 0.3847, "all_reduce_perf"))
    parsed = parse_text(text)
    assert parsed["rows"][0]["in_place"]["wrong"] == 2097150  # %6g keeps 6 digits, as in nccl-tests
    assert (parsed["out_of_bounds"], parsed["avg_busbw"]) == (2097152, 0.3847)
    assert header_lines()[2].split() == ["#", "size", "count", "type", "redop", "root", "time", "algbw", "busbw",
                                         "#wrong", "time", "algbw", "busbw", "#wrong"]
