"""Only what the multi-node mesh needs (lab user, QSFP link, peer names, SSH mesh, MPI hostfile): the 4-host test."""

from roles.mpi import mpi
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
