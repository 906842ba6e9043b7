"""Level 6's multi-node roles alone (no lower levels): the cluster tests run it on many hosts, real and @fake."""

from roles.distributed_env import distributed_env
from roles.mpi import mpi
from roles.nccl import nccl
from roles.peer_names import peer_names
from roles.qsfp_link import qsfp_link, qsfp_preflight
from roles.ssh_mesh import ssh_mesh
from roles.users import users

qsfp_preflight()
users()
qsfp_link()
peer_names()
ssh_mesh()
mpi()
nccl()
distributed_env()
