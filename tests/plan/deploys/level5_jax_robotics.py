"""deploys/level5.py with only the JAX and robotics tracks' roles (level 3, then isaac() and jax_lab() in
deploys/level5.py's order), for tests/plan/test_level5_jax_isaac_plan.py while the other tracks' roles are written.
Once every role deploys/level5.py imports exists, the test plans deploys/level5.py itself."""

from pyinfra import local

from roles.isaac import isaac
from roles.jax_lab import jax_lab

local.include("deploys/level3.py")
isaac()
jax_lab()
