"""Running one job per host: host-prefixed lines, the result line, a failing rank stops the others, timeouts."""

import sys
import time

from distributed.launch.cluster import Node
from distributed.launch.jobs import Job, run_jobs
from distributed.protocol import ERROR_MARK, RESULT_MARK


def python(host, code):
    return Job(host, argv=[sys.executable, "-u", "-c", code])


def collect():
    lines = []
    return lines, lambda host, line: lines.append(f"[{host}] {line}")


def test_lines_come_back_prefixed_and_the_result_is_kept():
    lines, echo = collect()
    outcome = run_jobs([python("a", f"print('hello'); print({RESULT_MARK!r} + '{{\"x\": 1}}')"),
                        python("b", "import sys; print('to stderr', file=sys.stderr)")], 30, echo)
    assert outcome.ok and outcome.result == {"x": 1} and outcome.error is None
    assert sorted(lines) == ["[a] hello", "[b] to stderr"]


def test_one_failing_rank_stops_the_others_and_names_its_error():
    lines, echo = collect()
    began = time.monotonic()
    outcome = run_jobs([
        python("spark-1", "import time; print('waiting in a collective', flush=True); time.sleep(600)"),
        python("spark-2", f"import sys, time; time.sleep(0.5); print({ERROR_MARK!r} + "
                          "'rank 1 on spark-2: RuntimeError: Connection reset by peer', file=sys.stderr); sys.exit(1)"),
    ], 300, echo)
    assert time.monotonic() - began < 15
    assert not outcome.ok and not outcome.timed_out and not outcome.unreachable
    assert outcome.error == "rank 1 on spark-2: RuntimeError: Connection reset by peer"
    assert [o.exit_code for o in outcome.outcomes][1] == 1 and outcome.outcomes[0].exit_code != 0
    assert "[spark-1] waiting in a collective" in lines


def test_a_failure_without_marked_error_shows_the_last_lines():
    outcome = run_jobs([python("a", "print('Segmentation fault'); raise SystemExit(139)")], 30, collect()[1])
    assert outcome.error == "a exited with 139: Segmentation fault"


def test_timeout_stops_everything():
    began = time.monotonic()
    outcome = run_jobs([python("a", "import time; time.sleep(600)")], 1, collect()[1])
    assert outcome.timed_out and not outcome.ok and outcome.error == "timed out after 1 s"
    assert time.monotonic() - began < 15


def test_a_missing_program_is_an_environment_error():
    outcome = run_jobs([Job("a", argv=["/nonexistent/torchrun"])], 30, collect()[1])
    assert outcome.unreachable and outcome.error.startswith("cannot start /nonexistent/torchrun")


def test_an_unreachable_host_is_an_environment_error():
    ssh = {"ssh_hostname": "127.0.0.1", "ssh_port": 9, "ssh_user": "nobody"}
    node = Node("spark-x", ssh, "nobody", "lo", "127.0.0.1", {}, {})
    outcome = run_jobs([Job("spark-x", command="true", node=node)], 60, collect()[1])
    assert outcome.unreachable and outcome.error.startswith("ssh to 127.0.0.1:")
