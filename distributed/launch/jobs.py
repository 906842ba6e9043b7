"""Run one job per host at once (local process or SSH command), stream every line back prefixed with the host,
and stop all of them when one fails or the time is up, so a broken rank never leaves the others hanging.

Ranks mark their result and their errors (``protocol``): the result line is kept, not printed; the first
error line names the failing rank and its error.
"""

import contextlib
import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from distributed.protocol import ERROR_MARK, RESULT_MARK
from distributed.results import Result

STOP_GRACE_S = 10


def _later(seconds: float, action) -> None:
    timer = threading.Timer(seconds, action)
    timer.daemon = True  # never keeps the driver alive after the run
    timer.start()


@dataclass
class Job:
    host: str
    argv: list[str] | None = None  # a local process …
    env: dict[str, str] | None = None  # … with these variables added to ours
    command: str | None = None  # or a shell line run over SSH on ``node``
    node: object = None
    cleanup: str | None = None  # shell line run on ``node`` when the job is stopped (docker rm -f)


@dataclass
class Outcome:
    host: str
    exit_code: int | None = None
    unreachable: str | None = None  # why the job could not start (SSH, missing program)
    tail: deque = field(default_factory=lambda: deque(maxlen=20))


@dataclass
class RunResult:
    outcomes: list[Outcome]
    result: Result | None  # rank 0's marked result line
    error: str | None  # first marked rank error, or what went wrong
    timed_out: bool

    @property
    def ok(self) -> bool:
        return not self.timed_out and all(o.exit_code == 0 for o in self.outcomes)

    @property
    def unreachable(self) -> bool:
        return any(o.unreachable for o in self.outcomes)


class _Lines:
    """A file-like sink that turns chunks into lines on ``events`` (fabric's out_stream)."""

    def __init__(self, events: queue.Queue, index: int):
        self.events, self.index, self.buffer = events, index, ""

    def write(self, chunk: str) -> None:
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split("\n")
        for line in lines:
            self.events.put(("line", self.index, line.rstrip("\r")))

    def flush(self) -> None:
        """Invoke flushes after every chunk: a partial line must wait for its end."""

    def finish(self) -> None:
        if self.buffer:
            self.events.put(("line", self.index, self.buffer.rstrip("\r")))
            self.buffer = ""


class _Local:
    def __init__(self, job: Job):
        self.job, self.proc = job, None

    def run(self, events: queue.Queue, index: int) -> None:
        try:
            self.proc = subprocess.Popen(
                self.job.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                env={**os.environ, **(self.job.env or {})}, start_new_session=True,
            )
        except OSError as error:
            events.put(("done", index, None, f"cannot start {self.job.argv[0]}: {error}"))
            return
        for line in self.proc.stdout:
            events.put(("line", index, line.rstrip("\n")))
        events.put(("done", index, self.proc.wait(), None))

    def stop(self) -> None:
        self._signal(signal.SIGTERM)
        _later(STOP_GRACE_S, lambda: self._signal(signal.SIGKILL))

    def _signal(self, signum) -> None:
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signum)


class _Remote:
    def __init__(self, job: Job):
        self.job, self.conn, self.runner, self.stopped = job, None, None, False

    def run(self, events: queue.Queue, index: int) -> None:
        from distributed.launch.connections import connect

        sink = _Lines(events, index)
        try:
            self.conn = connect(self.job.node)
            self.conn.open()
        except Exception as error:  # paramiko/socket errors: the host is not reachable as the inventory says
            events.put(("done", index, None, f"ssh to {self.job.node.ssh['ssh_hostname']}: {error}"))
            return
        if self.stopped:  # the run failed elsewhere while this host was still connecting
            events.put(("done", index, 255, None))
            return
        try:
            # A pty makes sshd hang up the remote program when the channel closes.
            promise = self.conn.run(self.job.command, pty=True, hide=True, warn=True, in_stream=False,
                                    out_stream=sink, asynchronous=True)
            self.runner = promise.runner
            exit_code = promise.join().exited
        except Exception as error:  # the channel was closed under it (stop) or the connection broke
            sink.finish()
            events.put(("line", index, f"ssh: {type(error).__name__}: {error}"))
            events.put(("done", index, 255, None))
            return
        sink.finish()
        events.put(("done", index, exit_code, None))

    def stop(self) -> None:
        self.stopped = True
        if self.runner is not None:
            with contextlib.suppress(OSError):  # the channel may close on its own meanwhile
                # ^C through the pty: torchrun and mpirun shut their ranks down
                self.runner.send_interrupt(KeyboardInterrupt())
            _later(STOP_GRACE_S, self.runner.kill)
        if self.job.cleanup:
            from distributed.launch.connections import connect

            # Best effort: the host may be the one that is down.
            with contextlib.suppress(Exception), connect(self.job.node) as conn:
                conn.run(self.job.cleanup, hide=True, warn=True, timeout=30)


def print_line(host: str, line: str) -> None:
    print(f"[{host}] {line}", flush=True)


def run_jobs(jobs: list[Job], timeout_s: float, echo=print_line) -> RunResult:
    """Run ``jobs`` to the end; ``echo(host, line)`` gets every line but the result line."""
    events: queue.Queue = queue.Queue()
    handles = [(_Local if job.argv else _Remote)(job) for job in jobs]
    outcomes = [Outcome(job.host) for job in jobs]
    for index, handle in enumerate(handles):
        threading.Thread(target=handle.run, args=(events, index), daemon=True).start()
    result, error, timed_out, stopping = None, None, False, False
    running, finished, first_failure = len(jobs), set(), None

    def stop_running() -> None:
        for index, handle in enumerate(handles):
            if index not in finished:
                handle.stop()

    deadline = time.monotonic() + timeout_s
    while running:
        try:
            kind, index, *payload = events.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            if stopping:
                break  # stopped jobs did not finish within the grace period
            timed_out, stopping, deadline = True, True, time.monotonic() + 2 * STOP_GRACE_S
            error = error or f"timed out after {timeout_s:g} s"
            stop_running()
            continue
        outcome = outcomes[index]
        if kind == "line":
            line = payload[0]
            if line.startswith(RESULT_MARK):
                result = json.loads(line[len(RESULT_MARK):])
                continue
            if ERROR_MARK in line and error is None:
                error = line.split(ERROR_MARK, 1)[1]
            outcome.tail.append(line)
            echo(outcome.host, line)
            continue
        running -= 1
        finished.add(index)
        outcome.exit_code, outcome.unreachable = payload
        if outcome.exit_code != 0 and not stopping:
            stopping, deadline, first_failure = True, time.monotonic() + 2 * STOP_GRACE_S, outcome
            stop_running()
    if error is None and first_failure:
        error = first_failure.unreachable or f"{first_failure.host} exited with {first_failure.exit_code}: " \
            + " / ".join(list(first_failure.tail)[-3:])
    return RunResult(outcomes, result, error, timed_out)
