"""The workload plan of one host, from its role knobs: levels 1–2's services, the inference engines, level 3's
labs and level 5's track labs as :class:`sparklab.workloads.Workload`, checked by :func:`sparklab.workloads.check`
before pyinfra connects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sparklab import rag_labs, track_labs
from sparklab.engine_instances import instances_of, ollama_port
from sparklab.workloads import Route, Workload, check

Setting = Callable[[str], Any]


def _engines(setting: Setting) -> list[Workload]:
    return [Workload(i.name, i.unit, heavy=i.heavy, boot=i.spec.boot,
                     ports={i.spec.port: f"{i.spec.engine} API ({i.served_model})"},
                     health=(Route(i.spec.port, i.spec.health, f"{i.spec.engine} health"),
                             Route(i.spec.port, "/v1/models", "OpenAI API", expect=i.served_model)))
            for i in instances_of(setting)]


def _services(setting: Setting) -> list[Workload]:
    """Levels 1–2's always-on services, for the port plan and `labs status`."""
    found = [Workload("dgx-dashboard", None, ports={setting("dashboard_port"): "DGX Dashboard"}),
             Workload("jupyterlab", "jupyterlab", ports={setting("jupyterlab_port"): "JupyterLab"},
                      health=(Route(setting("jupyterlab_port"), "/api", "JupyterLab"),))]
    if setting("ollama_enabled"):
        port = ollama_port(setting)
        found.append(Workload("ollama", "ollama", ports={port: "Ollama API"},
                              health=(Route(port, "/api/version", "Ollama API"),)))
    if setting("open_webui_enabled"):
        port = setting("open_webui_port")
        found.append(Workload("open-webui", "open-webui", ports={port: "Open WebUI"},
                              health=(Route(port, "/health", "Open WebUI"),)))
    return found


def workloads_of(setting: Setting) -> list[Workload]:
    """Every workload of one host (``setting``: HostConfig.setting or roles.knob), its plan checked:
    ValueError names the workloads and the port, or the heavy workloads, at fault."""
    found = [*_services(setting), *_engines(setting), *rag_labs.workloads(setting), *track_labs.workloads(setting)]
    check(found)
    return found


def heavy_units(setting: Setting) -> list[str]:
    """The units of this host's heavy workloads: each conflicts with all the others."""
    return [w.unit for w in workloads_of(setting) if w.heavy and w.unit]
