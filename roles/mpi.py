"""OpenMPI (runtime and development files) and a hostfile of the inventory's nodes by QSFP address."""

from pyinfra import host, logger
from pyinfra.api import deploy
from pyinfra.operations import apt, files

from sparklab.peers import nodes
from sparklab.templates import block_syntax

DEFAULTS = {
    "mpi_packages": ["openmpi-bin", "libopenmpi-dev"],
    "mpi_hostfile": "/etc/spark-lab/mpi-hostfile",
    # Ranks per node: one GPU per DGX Spark.
    "mpi_slots_per_node": 1,
}


@deploy("OpenMPI", data_defaults=DEFAULTS)
def mpi():
    apt.packages(name="OpenMPI packages", packages=host.data.mpi_packages)
    if not nodes():
        logger.info(f"[{host.name}] MPI hostfile: not applicable (no QSFP links in the inventory)")
        return
    files.template(name="MPI hostfile", src="templates/mpi/hostfile.j2", dest=host.data.mpi_hostfile, mode="644",
                   nodes=nodes(), slots=host.data.mpi_slots_per_node, jinja_env_kwargs=block_syntax())
