"""systemd: unit syntax for the command lines we generate, and a service's state with its reloads and
restarts decided while the deploy runs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pyinfra.api.operation import OperationMeta
from pyinfra.operations import systemd
from pyinfra.operations.util import any_changed

# Words systemd takes literally in ExecStart= (no quoting needed).
_PLAIN = re.compile(r"^[A-Za-z0-9_@+=:,./-]+$")


def quote(word: str) -> str:
    """One argument as systemd's ExecStart= parses it back: `%` and `$` are escaped
    (specifiers and variable expansion), anything else unusual is double-quoted."""
    if not _PLAIN.match(word):
        word = '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return word.replace("%", "%%").replace("$", "$$")


def exec_line(argv: list[str]) -> str:
    return " ".join(quote(a) for a in argv)


def service_state(service: str, *, running: bool | None, enabled: bool | None, name: str,
                  reload_when: Iterable[OperationMeta] = (), restart_when: Iterable[OperationMeta] = ()) -> None:
    """``service`` running/enabled as asked; systemd reloaded when an operation of ``reload_when`` changed a
    unit file or drop-in, and the service restarted (if it was running) when one of ``restart_when`` changed.

    The reload and restart are decided when they run (``_if`` on the operations' results), not while the
    deploy is planned: an operation's ``will_change`` there gathers its facts a second time, host after
    host, and makes a rerun that changes nothing slower. The restart comes before the start, so a unit
    installed by this run is started once."""
    reload_when, restart_when = list(reload_when), list(restart_when)
    if reload_when:
        systemd.daemon_reload(name=f"{service}: systemd reloaded", _if=any_changed(*reload_when))
    if restart_when:
        # running=None: pyinfra's default (True) would start an on-demand unit that is not running.
        systemd.service(name=f"{service} restarted", service=service, running=None, restarted=True,
                        _if=any_changed(*restart_when))
    systemd.service(name=name, service=service, running=running, enabled=enabled)
