"""Processes simlab starts in the background and tracks by pidfile (no systemd on the VM)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def log(msg: str) -> None:
    print(f"simlab: {msg}", file=sys.stderr, flush=True)


def run(argv: list[str], check: bool = True, quiet: bool = False, **kw) -> subprocess.CompletedProcess:
    if not quiet:
        log("$ " + " ".join(argv))
    return subprocess.run(argv, check=check, **kw)


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def alive(pid: int) -> bool:
    """True when PID runs and is not a zombie (the VM's PID 1 reaps orphans slowly)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


def read_pidfile(pidfile: Path, must_contain: str) -> int | None:
    """The live PID in PIDFILE whose command line contains MUST_CONTAIN (guards against PID reuse)."""
    try:
        pid = int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if alive(pid) and must_contain in " ".join(cmdline(pid)):
        return pid
    return None


def find(must_contain: str, first_arg: str | None = None) -> list[int]:
    """Live PIDs whose command line contains MUST_CONTAIN (optionally: whose argv[0] ends with FIRST_ARG)."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        argv = cmdline(int(entry))
        if not argv or must_contain not in " ".join(argv):
            continue
        if first_arg and not os.path.basename(argv[0]).endswith(first_arg):
            continue
        if alive(int(entry)):
            out.append(int(entry))
    return out


def spawn(argv: list[str], pidfile: Path, logfile: Path, preexec_fn=None, env=None) -> int:
    """Start ARGV detached (own session, stdin /dev/null, output to LOGFILE) and write its PID."""
    logfile.parent.mkdir(parents=True, exist_ok=True)
    with open(logfile, "ab") as out, open(os.devnull, "rb") as devnull:
        p = subprocess.Popen(argv, stdin=devnull, stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True, close_fds=True, env=env,
                             preexec_fn=preexec_fn)  # noqa: PLW1509 (the CLI runs no threads)
    pidfile.write_text(f"{p.pid}\n")
    # The Popen object is dropped: the child outlives this CLI and is reaped by PID 1.
    # Keep Python from warning about it at exit.
    p.returncode = 0
    return p.pid


def signal_pid(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    deadline = time.monotonic() + timeout
    left = [p for p in pids if alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = [p for p in left if alive(p)]
    return left


def stop(pids: list[int], grace: float = 10.0, second_term_after: float | None = None) -> None:
    """SIGTERM; optionally a second SIGTERM after SECOND_TERM_AFTER s; SIGKILL after GRACE more s."""
    pids = [p for p in pids if alive(p)]
    if not pids:
        return
    for p in pids:
        signal_pid(p, signal.SIGTERM)
    if second_term_after is not None:
        pids = wait_gone(pids, second_term_after)
        if pids:
            log(f"still running after {second_term_after:.0f}s, second SIGTERM: {pids}")
        for p in pids:
            signal_pid(p, signal.SIGTERM)
    pids = wait_gone(pids, grace)
    if pids:
        log(f"SIGKILL {pids}")
        for p in pids:
            signal_pid(p, signal.SIGKILL)
        wait_gone(pids, 5.0)
