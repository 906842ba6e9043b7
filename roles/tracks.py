"""Level 5's tracks: which ones a class takes (`level5_tracks`) and single labs switched off or on
(`level5_labs`); sparklab.track_labs turns them into the labs to install, checked before pyinfra connects.
Each lab's own role installs it when chosen and removes its units when not (absent means absent); `tracks()` runs
them all, for level 5 and for level 6, which includes every level below it."""

from roles.comfyui import comfyui
from roles.flux_finetune import flux_finetune
from roles.isaac import isaac
from roles.jax_lab import jax_lab
from roles.live_vlm import live_vlm
from roles.rapids import rapids
from roles.rapids_notebooks import rapids_notebooks
from roles.tensorrt_t2i import tensorrt_t2i
from roles.vss import vss

DEFAULTS = {
    # The class's tracks, any of: image_generation, multi_modal, robotics, data_science, jax. The curriculum's
    # checkpoint asks for at least two.
    "level5_tracks": [],
    # Single labs switched off (or back on) within the chosen tracks, e.g. {"vss": False}.
    "level5_labs": {},
}


def tracks():
    """Every lab's role, in the catalogue's order (a plain function: each role is its own deploy)."""
    comfyui()
    flux_finetune()
    tensorrt_t2i()
    live_vlm()
    vss()
    isaac()
    rapids()
    rapids_notebooks()
    jax_lab()
