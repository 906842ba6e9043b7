"""Level 5's specialisation tracks as data: the inventory names the tracks of a class (``level5_tracks``) and may
switch single labs off or on (``level5_labs``); each chosen lab that runs as a service is a workload of the plan
(levels-3-5.md, Level 5, its port map and summary table).

Kept apart from the roles, like sparklab.rag_labs, so that the inventory check, `python -m sparklab.labs` and the
checkpoint read the same plan. The labs' knobs are declared by their roles (roles/comfyui.py, roles/jax_lab.py...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sparklab.rag_labs import unit
from sparklab.workloads import Route, Workload

Setting = Callable[[str], Any]

COMFYUI, FLUX_COMFYUI, FLUX_TRAIN, FLUX = "comfyui", "flux-comfyui", "flux-train", "flux-finetune"
TENSORRT_T2I, LIVE_VLM, VSS = "tensorrt-t2i", "live-vlm", "vss"
ISAAC = "isaac"
RAPIDS, PORTFOLIO, SINGLE_CELL = "rapids", "portfolio", "single-cell"
JAX = "jax"

# The curriculum's five tracks and their labs (levels-3-5.md "LEVEL 5"), in the curriculum's order.
TRACKS: dict[str, tuple[str, ...]] = {
    "image_generation": (COMFYUI, FLUX),
    "multi_modal": (TENSORRT_T2I, LIVE_VLM, VSS),
    "robotics": (ISAAC,),
    "data_science": (RAPIDS, PORTFOLIO, SINGLE_CELL),
    "jax": (JAX,),
}
LABS = {lab: track for track, labs in TRACKS.items() for lab in labs}
# The curriculum's level-5 checkpoint: "completed at least 2 tracks".
TRACKS_TO_COMPLETE = 2
# Secrets without which a lab's role skips it: gated weights (FLUX.1-dev, its ONNX export), NGC's blueprint
# images, the class token every notebook asks for.
SECRETS: dict[str, tuple[str, ...]] = {
    FLUX: ("hf_token",), TENSORRT_T2I: ("hf_token",), VSS: ("ngc_api_key", "hf_token"),
    PORTFOLIO: ("jupyterlab_token",), SINGLE_CELL: ("jupyterlab_token",), JAX: ("jupyterlab_token",),
}
# Labs installed on GPU hosts only (Isaac Sim's source build needs the GPU's driver and CUDA; TensorRT builds its
# engines on the GPU; VSS's dev-profile.sh checks the GPU is the hardware profile's).
GPU_ONLY = (ISAAC, TENSORRT_T2I, VSS)


def chosen_labs(setting: Setting) -> list[str]:
    """The labs of the chosen tracks, with ``level5_labs``' switches applied, in catalogue order; ValueError naming
    the field and the bad value for an unknown track or lab, or a lab switched on outside the chosen tracks."""
    tracks = setting("level5_tracks")
    unknown = [t for t in tracks if t not in TRACKS]
    if unknown:
        raise ValueError(f"level5_tracks: unknown track {unknown[0]!r}; known: {', '.join(TRACKS)}")
    switches = setting("level5_labs")
    for lab, on in switches.items():
        if lab not in LABS:
            raise ValueError(f"level5_labs: unknown lab {lab!r}; known: {', '.join(LABS)}")
        if on and LABS[lab] not in tracks:
            raise ValueError(f"level5_labs: {lab} is switched on but its track {LABS[lab]} is not in level5_tracks")
    return [lab for track, labs in TRACKS.items() if track in tracks for lab in labs if switches.get(lab, True)]


def chosen(setting: Setting, lab: str) -> bool:
    return lab in chosen_labs(setting)


def chosen_tracks(setting: Setting) -> list[str]:
    """The tracks with at least one lab left on."""
    labs = chosen_labs(setting)
    return [track for track, track_labs in TRACKS.items() if any(lab in labs for lab in track_labs)]


def rapids_notebook_ports(setting: Setting) -> dict[int, str]:
    """The five ports of the RAPIDS notebooks container (start_playbook.sh's -p), as data maps them on the host."""
    return {int(host): what for host, what in setting("rapids_notebooks_ports").items()}


def _notebook(setting: Setting, lab: str, other: str) -> Workload:
    ports = rapids_notebook_ports(setting)
    jupyter = next(iter(ports))
    # GET /api answers without a token (Jupyter Server's version route); everything else asks for it.
    return Workload(lab, unit(lab), boot=setting(f"{lab.replace('-', '_')}_boot"),
                    ports={port: f"{lab} {what}" for port, what in ports.items()},
                    health=(Route(jupyter, "/api", f"{lab} JupyterLab", expect="version"),),
                    shares_ports_with=frozenset({other}))


def workloads(setting: Setting) -> list[Workload]:
    """The chosen labs that run as services (a UI, a notebook server, a job) as workloads. Isaac, RAPIDS' conda
    environment and TensorRT's text-to-image are environments a student runs by hand: no unit, no port."""
    labs = chosen_labs(setting)
    found = []
    if COMFYUI in labs:
        port = setting("comfyui_port")
        found.append(Workload(COMFYUI, unit(COMFYUI), boot=setting("comfyui_boot"), ports={port: "ComfyUI"},
                              health=(Route(port, "/system_stats", "ComfyUI system stats",
                                            expect="comfyui_version"),)))
    if FLUX in labs:
        port = setting("flux_comfyui_port")
        # FLUX.1-dev with its T5 encoder holds ~40 GB; training wants the GPU to itself (the playbook).
        found.append(Workload(FLUX_COMFYUI, unit(FLUX_COMFYUI), heavy=True, boot=False,
                              ports={port: "FLUX ComfyUI"},
                              health=(Route(port, "/system_stats", "FLUX ComfyUI system stats",
                                            expect="comfyui_version"),)))
        found.append(Workload(FLUX_TRAIN, unit(FLUX_TRAIN), heavy=True, boot=False))
    if LIVE_VLM in labs:
        port = setting("live_vlm_port")
        found.append(Workload(LIVE_VLM, unit(LIVE_VLM), boot=setting("live_vlm_boot"),
                              ports={port: "Live VLM WebUI (HTTPS)"},
                              health=(Route(port, "/", "Live VLM WebUI", tls=True),)))
    if VSS in labs:
        port = setting("vss_port")
        found.append(Workload(VSS, unit(VSS), heavy=True, boot=False, ports={port: "VSS agent UI"},
                              health=(Route(port, "/", "VSS agent UI"),)))
    if PORTFOLIO in labs:
        found.append(_notebook(setting, PORTFOLIO, SINGLE_CELL))
    if SINGLE_CELL in labs:
        found.append(_notebook(setting, SINGLE_CELL, PORTFOLIO))
    if JAX in labs:
        port = setting("jax_port")
        # marimo's /health needs no token; its notebooks do.
        found.append(Workload(JAX, unit(JAX), boot=setting("jax_boot"), ports={port: "JAX marimo notebooks"},
                              health=(Route(port, "/health", "marimo"),)))
    return found
