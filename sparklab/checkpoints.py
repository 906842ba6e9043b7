"""Shared by the checkpoint runner and its items: how an item says it does not apply to a host."""

import pytest

NOT_APPLICABLE = "not applicable: "


def not_applicable(reason: str):
    """Mark the running checkpoint item as not applying to this host, with the reason (never a pass)."""
    pytest.skip(NOT_APPLICABLE + reason)


def has_gpu(host) -> bool:
    """Whether a testinfra host has an NVIDIA GPU that its driver sees."""
    return host.exists("nvidia-smi") and host.run("nvidia-smi -L").rc == 0


def exercise(host, workload, workloads, timeout: float = 900) -> list[str]:
    """Start ``workload`` on a testinfra host, wait for its health routes, stop it and bring the boot workloads
    back (sparklab.lab_switch); the problems met, empty when all went well."""
    from sparklab import lab_switch

    def run(command: str) -> tuple[int, str]:
        result = host.run(command)
        return result.rc, result.stdout + result.stderr

    started = lab_switch.start(run, workload, workloads, timeout)
    stopped = lab_switch.stop(run, workload, workloads, timeout)
    problems = [f"start: {p}" for p in started.problems] + [f"stop: {p}" for p in stopped.problems]
    down = [w.name for w in workloads if w.boot and w.unit
            and lab_switch.unit_state(run, w.unit) not in ("active", "absent")]
    return problems + [f"boot workloads not running afterwards: {', '.join(down)}"] * bool(down)
