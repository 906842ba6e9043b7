"""Switching a Spark between workloads: start one (systemd stops the heavy ones it conflicts with), wait until all
its health routes answer, stop it and bring the boot workloads back. Shared by `python -m sparklab.labs` (over
SSH) and the checkpoints' `--exercise` (over testinfra): both hand in a ``run(command) -> (exit status, output)``
that runs a shell command as root on the host.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from shlex import quote

from sparklab.workloads import Route, Workload

Run = Callable[[str], tuple[int, str]]


def unit_state(run: Run, unit: str) -> str:
    """systemd's ActiveState of ``unit`` (active, inactive, failed, activating…), or "absent" when there is no
    such unit (an engine the deploy skipped)."""
    lines = run(f"systemctl show --property=LoadState,ActiveState --value {quote(unit)}.service")[1].split()
    if not lines or lines[0] == "not-found":
        return "absent"
    return lines[1] if len(lines) > 1 else "unknown"


def probe(run: Run, route: Route) -> str | None:
    """Why ``route`` is not healthy yet, or None when it answers 2xx with ``expect`` in its body."""
    # -k: a TLS route is the lab's own self-signed certificate, read on loopback
    status, body = run(f"curl -fsS{'k' if route.tls else ''} --max-time 10 {quote(route.url)}")
    if status != 0:
        return f"{route.url}: {body.strip().splitlines()[-1] if body.strip() else f'curl exit {status}'}"
    if route.expect and route.expect not in body:
        return f"{route.url}: answers without {route.expect!r}"
    return None


def wait_healthy(run: Run, workload: Workload, timeout: float, poll: float = 3.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> list[str]:
    """Wait until every health route of ``workload`` answers; the problems left at ``timeout`` (empty: healthy).
    A unit that fails stops the wait at once."""
    deadline = clock() + timeout
    while True:
        problems = [why for route in workload.health if (why := probe(run, route))]
        if not problems:
            return []
        if workload.unit and unit_state(run, workload.unit) == "failed":
            journal = run(f"journalctl -u {quote(workload.unit)}.service -n 15 --no-pager -o cat")[1]
            return [f"unit {workload.unit} failed", *journal.strip().splitlines()[-15:]]
        if clock() >= deadline:
            return problems
        sleep(poll)


@dataclass
class Switch:
    """What one start or stop did on a host."""

    stopped: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def start(run: Run, workload: Workload, workloads: Iterable[Workload], timeout: float) -> Switch:
    """Start ``workload`` and wait for its health routes. Its unit's Conflicts= stops the other heavy ones."""
    switch = Switch()
    if workload.unit is None:
        switch.problems.append(f"{workload.name} is not started by spark-lab")
        return switch
    if workload.heavy:
        switch.stopped = [w.name for w in workloads if w.heavy and w.unit and w.name != workload.name
                          and unit_state(run, w.unit) in ("active", "activating")]
    status, output = run(f"systemctl start {quote(workload.unit)}.service")
    if status != 0:
        switch.problems.append(f"systemctl start {workload.unit}: {output.strip()}")
        return switch
    switch.started.append(workload.name)
    switch.problems = wait_healthy(run, workload, timeout)
    return switch


def stop(run: Run, workload: Workload, workloads: Iterable[Workload], timeout: float) -> Switch:
    """Stop ``workload``, then start the boot workloads that are not running (those its start had stopped) and
    wait for their health routes."""
    switch = Switch()
    if workload.unit is None:
        switch.problems.append(f"{workload.name} is not started by spark-lab")
        return switch
    status, output = run(f"systemctl stop {quote(workload.unit)}.service")
    if status != 0:
        switch.problems.append(f"systemctl stop {workload.unit}: {output.strip()}")
        return switch
    switch.stopped.append(workload.name)
    restored = restore(run, [w for w in workloads if w.name != workload.name], timeout)
    switch.started, switch.problems = restored.started, restored.problems
    return switch


def make_room(run: Run, workloads: Iterable[Workload]) -> Switch:
    """Stop every heavy workload that runs, before a GPU job that no unit owns (`python -m sparklab.finetune`):
    one heavy workload at a time. :func:`restore` brings the boot ones back."""
    switch = Switch()
    for w in workloads:
        if w.heavy and w.unit and unit_state(run, w.unit) in ("active", "activating"):
            status, output = run(f"systemctl stop {quote(w.unit)}.service")
            if status != 0:
                switch.problems.append(f"systemctl stop {w.unit}: {output.strip()}")
                continue
            switch.stopped.append(w.name)
    return switch


def restore(run: Run, workloads: Iterable[Workload], timeout: float) -> Switch:
    """Start the boot workloads that are not running and wait for their health routes."""
    switch = Switch()
    for boot in [w for w in workloads if w.boot and w.unit]:
        if unit_state(run, boot.unit) in ("active", "activating"):
            continue
        status, output = run(f"systemctl start {quote(boot.unit)}.service")
        if status != 0:
            switch.problems.append(f"systemctl start {boot.unit}: {output.strip()}")
            continue
        switch.started.append(boot.name)
        switch.problems += wait_healthy(run, boot, timeout)
    return switch


def tunnel_line(workload: Workload, ssh_target: str) -> str:
    """The `ssh -L` line that brings the workload's pages to a laptop (its first route's port, or its tunnels)."""
    tunnels = dict(workload.tunnels) or ({workload.health[0].port: workload.health[0].port} if workload.health else {})
    forwards = " ".join(f"-L {local}:localhost:{remote}" for local, remote in sorted(tunnels.items()))
    return f"ssh {forwards} {ssh_target}"
