"""Workloads: everything a Spark runs that holds ports or GPU memory, one model for every level.

A workload is a systemd unit that owns it (sparklab.owned_units), started at boot or on demand, light or
heavy, with the host ports it publishes and the routes that say it is healthy. Level 2's inference engines,
level 3's compose stacks and the level-1/2 services (Ollama, Open WebUI, JupyterLab, the DGX Dashboard) are
all workloads. The rules that span them are checked here, before pyinfra connects:

- **memory**: 128 GB of unified memory holds one heavy workload; at most one starts at boot, and heavy
  units conflict with each other (starting the chatbot stops vLLM);
- **ports**: no two workloads of a host publish the same port, whatever their levels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Route:
    """An HTTP route on the host's loopback: healthy when it answers 2xx and its body contains ``expect``.
    ``tls``: served over HTTPS with the lab's own self-signed certificate (Live VLM's webcam page)."""

    port: int
    path: str
    label: str = ""
    expect: str = ""
    tls: bool = False

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}{self.path}"


@dataclass(frozen=True)
class Workload:
    name: str
    # The unit that owns it; None for what DGX OS runs itself (the Dashboard).
    unit: str | None
    heavy: bool = False
    boot: bool = True
    # Host port -> what listens there ("txt2kg UI").
    ports: Mapping[int, str] = field(default_factory=dict)
    # Routes that must all be healthy before the workload counts as started (the first is its main page or API).
    health: tuple[Route, ...] = ()
    # Laptop port -> host port for the `ssh -L` line, where a UI hard-codes a port (the chatbot's websocket).
    tunnels: Mapping[int, int] = field(default_factory=dict)
    # Workloads that publish the same ports and so never run together (their units conflict): level 5's
    # Portfolio and single-cell notebooks, one RAPIDS container each on the same five ports. Both must name
    # each other, and at most one of them starts at boot.
    shares_ports_with: frozenset[str] = frozenset()


def _share(a: Workload, b: Workload) -> bool:
    return b.name in a.shares_ports_with and a.name in b.shares_ports_with


def check(workloads: list[Workload]) -> None:
    """The memory policy and the port plan of one host."""
    names = [w.name for w in workloads]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"workloads: {twice[0]} names two workloads (an engine and a lab?); rename the engine")
    at_boot = [w.name for w in workloads if w.heavy and w.boot]
    if len(at_boot) > 1:
        raise ValueError(
            f"workloads: {' and '.join(at_boot)} are heavy workloads both set to start at boot; "
            "128 GB of unified memory holds one: keep boot on one, start the others on demand (python -m sparklab.labs)"
        )
    owners: dict[int, list[tuple[Workload, str]]] = {}
    for w in workloads:
        for port, what in w.ports.items():
            for other, other_what in owners.get(port, []):
                if not _share(w, other):
                    raise ValueError(f"port {port}: {other.name} ({other_what}) and {w.name} ({what}) both publish "
                                     "it; move one of them")
                if w.boot and other.boot:
                    raise ValueError(f"port {port}: {other.name} and {w.name} share their ports and both are set to "
                                     "start at boot; only one of them can run: keep boot on one")
            owners.setdefault(port, []).append((w, what))


def to_json(workload: Workload) -> dict:
    return {"name": workload.name, "unit": workload.unit, "heavy": workload.heavy, "boot": workload.boot,
            "ports": {str(p): what for p, what in workload.ports.items()},
            "health": [vars(r) for r in workload.health],
            "tunnels": {str(local): remote for local, remote in workload.tunnels.items()},
            "shares_ports_with": sorted(workload.shares_ports_with)}


def from_json(data: dict) -> Workload:
    return Workload(data["name"], data["unit"], heavy=data["heavy"], boot=data["boot"],
                    ports={int(p): what for p, what in data["ports"].items()},
                    health=tuple(Route(**r) for r in data["health"]),
                    tunnels={int(local): remote for local, remote in data["tunnels"].items()},
                    shares_ports_with=frozenset(data.get("shares_ports_with", ())))
