"""``python -m distributed nccl-tests`` end to end on this machine: real mpirun, a stand-in nccl-tests binary
that prints a canned output (and writes the canned -J file), the verdict's exit status and the report."""

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import get_type_hints

import pytest

from distributed.driver import main
from distributed.results import NcclRun, NcclTestsResult, Verdict

REPO = Path(__file__).resolve().parents[3]
OUTPUTS = Path(__file__).parent / "nccl_tests" / "nccl_outputs"

pytestmark = pytest.mark.skipif(subprocess.run(["which", "mpirun"], capture_output=True).returncode != 0,
                                reason="Open MPI's mpirun is not installed (apt-get install openmpi-bin)")


def fake_nccl_tests(tmp_path, text_fixture, json_fixture=None):
    build = tmp_path / "nccl-tests" / "build"
    build.mkdir(parents=True)
    binary = build / "all_gather_perf"
    copy_json = f'[ "$1" = -J ] && cp {OUTPUTS / json_fixture} "$2"; ' if json_fixture else ""
    binary.write_text(f'#!/bin/sh\ncat {OUTPUTS / text_fixture}\nwhile [ $# -gt 0 ]; do {copy_json}shift; done\n')
    binary.chmod(binary.stat().st_mode | stat.S_IEXEC)
    return tmp_path / "nccl-tests"


def nccl_tests(tmp_path, tests_dir, *extra):
    out = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, "-m", "distributed", "nccl-tests", "--nccl-tests-dir", str(tests_dir), "--json", str(out),
         "--run-dir", str(tmp_path / "runs"), *extra],
        cwd=REPO, capture_output=True, text=True, timeout=120)
    return done, json.loads(out.read_text()) if out.exists() else None


def test_passing_run(tmp_path):
    done, result = nccl_tests(tmp_path, fake_nccl_tests(tmp_path, "all_gather_16G_two_sparks.txt"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert result["status"] == "pass" and result["source"] == "text"
    assert set(result) == set(get_type_hints(NcclTestsResult))
    assert set(result["verdict"]) == set(get_type_hints(Verdict))
    assert set(result["parsed"]) == set(get_type_hints(NcclRun))
    assert result["verdict"]["avg_busbw_gbps"] == 22.9812 and result["verdict"]["threshold_gbps"] == 21.875
    assert result["command"].split()[-7:] == [f"{tmp_path}/nccl-tests/build/all_gather_perf", "-b", "17179869184",
                                              "-e", "17179869184", "-f", "2"]
    (run_dir,) = (tmp_path / "runs").iterdir()
    summary = (run_dir / "summary.md").read_text()
    assert summary.startswith("# nccl-tests all_gather_perf: PASS") and (run_dir / "plot.png").stat().st_size > 0


def test_wrong_data_fails(tmp_path):
    done, result = nccl_tests(tmp_path, fake_nccl_tests(tmp_path, "all_reduce_wrong_two_nodes.txt"), "--threshold", "1")
    assert done.returncode == 1 and result["status"] == "fail"
    assert "wrong elements" in result["verdict"]["reasons"][0]


def test_json_output_is_judged(tmp_path):
    tests_dir = fake_nccl_tests(tmp_path, "all_gather_16G_two_sparks.txt", "all_reduce_wrong.json")
    done, result = nccl_tests(tmp_path, tests_dir, "--nccl-json")
    assert done.returncode == 1 and result["source"] == "json"
    assert result["parsed"]["rows"][0]["out_of_place"]["wrong"] == 4


def test_missing_binary_is_an_environment_error(tmp_path):
    done, result = nccl_tests(tmp_path, tmp_path / "nowhere")
    assert done.returncode == 2 and result["status"] == "error"


def test_cluster_without_an_inventory_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["collectives", "--cluster", "pair-a"])
    assert exited.value.code == 2
    assert "--cluster needs --inventory" in capsys.readouterr().err
