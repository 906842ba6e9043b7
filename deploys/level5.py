"""Level 5 — specialisation tracks: the labs of the tracks the inventory chooses (`level5_tracks`: image
generation, multi-modal, robotics, data science, JAX; `level5_labs` switches single labs), each pinned, as
on-demand workloads of the level-3 model (python -m sparklab.labs starts one). Labs of tracks not chosen are
removed. Includes level 3, the curriculum's prerequisite (and so levels 2 and 1)."""

from pyinfra import local

from roles.tracks import tracks

local.include("deploys/level3.py")
tracks()
