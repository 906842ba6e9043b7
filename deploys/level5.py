"""Level 5 — specialisation tracks: the labs of the tracks the inventory chooses (`level5_tracks`: image
generation, multi-modal, robotics, data science, JAX; `level5_labs` switches single labs), each pinned, as
on-demand workloads of the level-3 model (python -m sparklab.labs starts one). Labs of tracks not chosen are
removed. Includes level 3, the curriculum's prerequisite (and so levels 2 and 1)."""

from pyinfra import local

from roles.comfyui import comfyui
from roles.flux_finetune import flux_finetune
from roles.isaac import isaac
from roles.jax_lab import jax_lab
from roles.live_vlm import live_vlm
from roles.rapids import rapids
from roles.rapids_notebooks import rapids_notebooks
from roles.tensorrt_t2i import tensorrt_t2i
from roles.vss import vss

local.include("deploys/level3.py")
comfyui()
flux_finetune()
tensorrt_t2i()
live_vlm()
vss()
isaac()
rapids()
rapids_notebooks()
jax_lab()
