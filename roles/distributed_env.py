"""Distributed runs across the lab's Sparks: where the code and its environment live on each node.

The ``distributed`` package (``python -m distributed …``) reads these knobs from the inventory to launch
collectives, nccl-tests and training across one cluster's hosts. This role puts them there: a profile with the
communication interfaces of the host's cluster topology (``sparklab.interconnect.node_env``), the package at the
same path on every node, and its venv (host mode) or the pinned NGC PyTorch image (container mode).
"""

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.operations import apt, files, pip

from roles import knob
from roles.hf_cache import hub_env
from sparklab import interconnect
from sparklab.operations import image_pulled, pip_pinned, tree_synced
from sparklab.peers import current_host, this_cluster
from sparklab.templates import block_syntax

DEFAULTS = {
    # "host": run in the venv below on each node (the simulated lab); "container": `docker run` of
    # distributed_pytorch_image with the repo mounted, the way NVIDIA tells Spark users to run PyTorch.
    "distributed_mode": "host",
    # Where this repository lives on every node (the same path on all of them; mounted there in containers).
    "distributed_path": "/opt/spark-lab",
    # Host mode: the venv holding torch, deepspeed, nvidia-ml-py (its bin/torchrun and bin/python are used).
    "distributed_venv": "/opt/spark-lab/.venv",
    # Host mode: what the venv holds (torch first: DeepSpeed's setup imports it; transformers and peft for
    # `python -m distributed train --model`).
    "distributed_pip_packages": ["torch==2.13.0", "numpy==2.4.6", "nvidia-ml-py==13.615.71", "deepspeed==0.19.8",
                                 "transformers==5.24.0", "peft==0.21.2"],
    # Container mode: NGC PyTorch image (deepspeed must be in it for --strategy deepspeed).
    "distributed_pytorch_image": "nvcr.io/nvidia/pytorch:25.11-py3",
    # Value of `docker run --gpus`; "" drops the flag (the simulated lab has no GPU).
    "distributed_container_gpus": "all",
    # torch.distributed rendezvous port on the first node's QSFP address.
    "distributed_master_port": 29500,
    # OMP_NUM_THREADS of every rank (one rank per Spark; more threads only help CPU-side work).
    "distributed_omp_num_threads": 1,
    # (nccl-tests run from the NCCL role's nccl_tests_dir, with the library path that
    # sparklab.interconnect.nccl_library_path derives from its nccl_dir, nccl_cuda_home and the node's arch.)
    # Pass mark for nccl-tests' "Avg bus bandwidth" (GB/s); None: the cluster topology's (NVIDIA's cluster script:
    # 21.875 for a pair or a switch, 10 for the ring).
    "distributed_nccl_threshold_gbps": None,
    # One 200GbE QSFP link in GB/s: no bus bandwidth between two nodes can exceed it.
    "distributed_line_rate_gbps": interconnect.LINE_RATE_GBPS,
}

PROFILE = "/etc/profile.d/spark-lab-distributed.sh"


@deploy("Distributed environment", data_defaults=DEFAULTS)
def distributed_env():
    data = host.data
    cluster, me = this_cluster(), current_host()
    links = interconnect.node_env(cluster.topology, [i.name for i in me.qsfp_interfaces], me.mgmt_interface) \
        if cluster else {}
    # The Hub mirror too (hf_endpoint), so `train --model NAME` downloads where the lab's environments do.
    env = {**links, **hub_env()}
    files.template(name="Communication interfaces for NCCL, UCX, Open MPI and gloo, and the Hub",
                   src="templates/distributed/profile.sh.j2", dest=PROFILE, mode="644", env=env,
                   jinja_env_kwargs=block_syntax())
    tree_synced(name="distributed package", src="distributed", dest=f"{data.distributed_path}/distributed")
    if data.distributed_mode == "container":
        image_pulled(name=f"Image {data.distributed_pytorch_image}", image=data.distributed_pytorch_image)
        return
    venv = data.distributed_venv
    apt.packages(name="python3-venv", packages=["python3-venv"])  # level 1 has it; this role works without it
    pip.venv(name="venv", path=venv, python="python3")
    torch, *rest = data.distributed_pip_packages
    pip_args = knob("base_pip_args")
    pip_pinned(name=torch, venv=venv, packages=[torch], extra_args=pip_args)
    pip_pinned(name="Other packages", venv=venv, packages=rest, extra_args=pip_args, _env={"DS_BUILD_OPS": "0"})
