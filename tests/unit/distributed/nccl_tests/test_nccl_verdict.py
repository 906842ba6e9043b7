"""The nccl-tests verdict: threshold, line rate, #wrong, exit statuses 0 / 1 / 2."""

from pathlib import Path

from distributed.nccl_tests.nccl_output import parse_text
from distributed.nccl_tests.nccl_verdict import judge

OUTPUTS = Path(__file__).parent / "nccl_outputs"
NVIDIA = {"threshold_gbps": 21.875, "line_rate_gbps": 25.0}


def parsed(name):
    return parse_text((OUTPUTS / name).read_text())


def test_two_sparks_pass():
    verdict = judge(parsed("all_gather_16G_two_sparks.txt"), **NVIDIA)
    assert (verdict["status"], verdict["exit_code"], verdict["reasons"]) == ("pass", 0, [])
    assert verdict["avg_busbw_gbps"] == 22.9812
    assert round(verdict["fraction_of_line_rate"], 3) == 0.919


def test_below_threshold_fails():
    verdict = judge(parsed("all_gather_slow_one_interface.txt"), **NVIDIA)
    assert (verdict["status"], verdict["exit_code"]) == ("fail", 1)
    assert verdict["reasons"] == ["Avg bus bandwidth 5.90398 GB/s is below the threshold 21.875 GB/s"]


def test_wrong_elements_fail_even_when_fast_enough():
    verdict = judge(parsed("all_reduce_wrong_two_nodes.txt"), threshold_gbps=1.0, line_rate_gbps=25.0)
    assert verdict["exit_code"] == 1
    assert verdict["reasons"][0].endswith("wrong elements (#wrong / Out of bounds values)")


def test_faster_than_the_link_means_the_link_was_not_used():
    verdict = judge(parsed("all_gather_16G_two_sparks.txt"), threshold_gbps=10.0, line_rate_gbps=12.5)
    assert verdict["exit_code"] == 1 and "did not cross the QSFP link" in verdict["reasons"][0]


def test_nothing_to_judge_is_an_environment_error():
    verdict = judge(parse_text("bash: /opt/nccl-tests/build/all_gather_perf: No such file or directory\n"), **NVIDIA)
    assert (verdict["status"], verdict["exit_code"]) == ("error", 2)
