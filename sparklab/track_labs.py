"""Level 5's specialisation tracks as data: the inventory names the tracks of a class (``level5_tracks``) and may
switch single labs off or on (``level5_labs``); each chosen lab is a workload of the plan (levels-3-5.md, Level 5).

Kept apart from the roles, like sparklab.rag_labs, so that the inventory check, `python -m sparklab.labs` and the
checkpoint read the same plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Setting = Callable[[str], Any]

# The curriculum's five tracks and their labs (levels-3-5.md "LEVEL 5"), in the curriculum's order.
TRACKS: dict[str, tuple[str, ...]] = {
    "image_generation": ("comfyui", "flux-finetune"),
    "multi_modal": ("tensorrt-t2i", "live-vlm", "vss"),
    "robotics": ("isaac",),
    "data_science": ("rapids", "portfolio", "single-cell"),
    "jax": ("jax",),
}
LABS = {lab: track for track, labs in TRACKS.items() for lab in labs}


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


def chosen_tracks(setting: Setting) -> list[str]:
    """The tracks with at least one lab left on."""
    labs = chosen_labs(setting)
    return [track for track, track_labs in TRACKS.items() if any(lab in labs for lab in track_labs)]
