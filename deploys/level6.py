"""Level 6 — multi-node: QSFP link, peer names, SSH mesh, OpenMPI, NCCL + nccl-tests, distributed env.

Includes every lower level: 4 (and so 3, 2, 1), then level 5's tracks. The QSFP interfaces are checked first, so a
wrong cable or port fails the host before anything is written on it.
"""

from pyinfra import local

from roles.distributed_env import distributed_env
from roles.mpi import mpi
from roles.nccl import nccl
from roles.peer_names import peer_names
from roles.qsfp_link import qsfp_link, qsfp_preflight
from roles.ssh_mesh import ssh_mesh
from roles.tracks import tracks

qsfp_preflight()
local.include("deploys/level4.py")
tracks()
qsfp_link()
peer_names()
ssh_mesh()
mpi()
nccl()
distributed_env()
