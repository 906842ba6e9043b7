"""systemd units that own a workload: a container (`docker run --rm` in the foreground) or a native
server. The unit file is the workload's whole spec, so a changed image, model or argument rewrites
the unit and restarts exactly that workload (pyinfra's docker.container does not compare specs,
pyinfra #1561). Units we write carry MANAGED_MARK, so a unit the data no longer asks for is found on
the host and removed (absent means absent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from pyinfra import host
from pyinfra.api.operation import OperationMeta
from pyinfra.operations import files, systemd
from pyinfra.operations.util import any_changed

from sparklab.facts import ManagedUnits
from sparklab.systemd import exec_line, service_state
from sparklab.templates import block_syntax

DOCKER = "/usr/bin/docker"
MANAGED_MARK = "Managed by spark-lab"
UNIT_DIR = "/etc/systemd/system"
CONFLICTS_DROPIN = "50-one-heavy-workload.conf"


def docker_run(container: str, image: str, options: Sequence[str] = (), command: Sequence[str] = ()) -> list[str]:
    """The foreground `docker run` a unit owns: removed on exit, never pulling behind our back."""
    return [DOCKER, "run", "--rm", "--pull", "never", "--name", container, *options, image, *command]


def unit_owning(unit: str, *, description: str, exec_start: Sequence[str], boot: bool,
                kind: Literal["container", "compose", "native", "detached"] = "container",
                exec_stop: Sequence[str] = (), conflicts: Iterable[str] = (),
                restart_when: Iterable[OperationMeta] = (), service_user: str | None = None,
                working_directory: str | None = None, env_file: str | None = None,
                restart: str = "on-failure", wants: Iterable[str] = ()) -> None:
    """Write the unit and set its state: a boot unit is enabled and running; an on-demand one is left as it is
    (started by hand, by `systemctl start` or `python -m sparklab.labs`), restarted on change if running.

    ``kind``: "container", a `docker run` in the foreground (the container is named like the unit);
    "compose", a `docker compose up` in the foreground, ``exec_stop`` its `down`; "native", a program on the host;
    "detached", a program that starts the workload in the background and returns (a `compose up --detach`
    script): the unit stays active after it (oneshot, RemainAfterExit), ``exec_stop`` takes the workload down.

    ``wants``: units started with this one (each stops with it through its own BindsTo=/PartOf=).

    ``restart``: systemd's Restart= ("no" for a job that runs once when started, e.g. a training run; a "detached"
    unit has none).

    ``conflicts``: units this one stops when it starts (one heavy workload at a time). They sit in a drop-in,
    not in the unit: adding or removing a heavy workload rewrites the others' drop-ins and reloads systemd,
    but restarts none of them. Conflicts are mutual (each of the pair names the other): the drop-in of the unit
    whose name sorts later also orders it After= the other, so that systemd stops the running one before it
    starts the other."""
    unit_op = files.template(
        name=f"{unit} unit", src="templates/units/owned.service.j2", dest=f"{UNIT_DIR}/{unit}.service", mode="644",
        mark=MANAGED_MARK, description=description, kind=kind, unit=unit, docker=DOCKER,
        exec_start=exec_line(list(exec_start)), exec_stop=exec_line(list(exec_stop)) if exec_stop else None,
        service_user=service_user, env_file=env_file, working_directory=working_directory, restart=restart,
        wants=[f"{u}.service" for u in sorted(wants)], jinja_env_kwargs=block_syntax(),
    )
    conflicts = sorted(conflicts)
    dropin = f"{UNIT_DIR}/{unit}.service.d/{CONFLICTS_DROPIN}"
    if conflicts:
        conflicts_op = files.template(
            name=f"{unit} one heavy workload at a time", src="templates/units/conflicts.conf.j2", dest=dropin,
            mode="644", create_remote_dir=True, units=[f"{u}.service" for u in conflicts],
            after=[f"{u}.service" for u in conflicts if u < unit], jinja_env_kwargs=block_syntax())
    else:
        conflicts_op = files.file(name=f"{unit} conflicts with nothing", path=dropin, present=False)
    service_state(unit, name=f"{unit} {'running, enabled at boot' if boot else 'on demand'}",
                  running=True if boot else None, enabled=boot, reload_when=[unit_op, conflicts_op],
                  restart_when=[*restart_when, unit_op])


def stale_units(prefix: str, wanted: Iterable[str]) -> list[str]:
    """Units we wrote whose name starts with ``prefix`` and that the data no longer asks for."""
    wanted = set(wanted)
    return [u for u in host.get_fact(ManagedUnits, directory=UNIT_DIR, mark=MANAGED_MARK)
            if u.startswith(prefix) and u not in wanted]


def units_absent(units: Iterable[str], leftovers: Mapping[str, Iterable[str]] | None = None) -> None:
    """Stop, disable and remove each unit with its drop-ins, and the files or directories ``leftovers[unit]``
    lists (its env file, its config directory; a directory ends with `/`)."""
    removed = []
    for unit in units:
        systemd.service(name=f"{unit} stopped and disabled", service=unit, running=False, enabled=False)
        removed.append(files.file(name=f"{unit} unit removed", path=f"{UNIT_DIR}/{unit}.service", present=False))
        removed.append(files.directory(name=f"{unit} drop-ins removed", path=f"{UNIT_DIR}/{unit}.service.d",
                                       present=False))
        for path in (leftovers or {}).get(unit, ()):
            if path.endswith("/"):
                files.directory(name=f"{unit} {path} removed", path=path.rstrip("/"), present=False)
            else:
                files.file(name=f"{unit} {path} removed", path=path, present=False)
    if removed:
        systemd.daemon_reload(name="systemd reloaded", _if=any_changed(*removed))
