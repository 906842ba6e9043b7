"""One rank's view of the job: its numbers (from torchrun or mpirun), backend and device, and how it reports.

Backend and device are the only things that differ between the CPU path (gloo, cpu) and the GPU path
(nccl, cuda:LOCAL_RANK). Results and errors reach the driver as marked lines (``protocol``).
"""

import datetime
import json
import os
import socket
import sys
import traceback
from dataclasses import dataclass

import torch
import torch.distributed as dist

from distributed.protocol import ERROR_MARK, RESULT_MARK
from distributed.results import Result


@dataclass(frozen=True)
class Rank:
    rank: int
    world_size: int
    local_rank: int
    local_world_size: int
    backend: str
    device: torch.device
    host: str


def adopt_mpi_ranks(env=os.environ) -> None:
    """Under mpirun, take RANK/WORLD_SIZE/LOCAL_RANK from Open MPI's OMPI_COMM_WORLD_* variables."""
    if "RANK" in env or "OMPI_COMM_WORLD_RANK" not in env:
        return
    env["RANK"] = env["OMPI_COMM_WORLD_RANK"]
    env["WORLD_SIZE"] = env["OMPI_COMM_WORLD_SIZE"]
    env["LOCAL_RANK"] = env["OMPI_COMM_WORLD_LOCAL_RANK"]
    env["LOCAL_WORLD_SIZE"] = env["OMPI_COMM_WORLD_LOCAL_SIZE"]


def pick_backend(requested: str) -> str:
    if requested == "auto":
        return "nccl" if torch.cuda.is_available() else "gloo"
    if requested == "nccl" and not torch.cuda.is_available():
        raise RuntimeError("--backend nccl needs a CUDA device, and torch sees none")
    return requested


def init(requested_backend: str, timeout_s: int) -> Rank:
    adopt_mpi_ranks()
    backend = pick_backend(requested_backend)
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device("cuda", local_rank) if backend == "nccl" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    dist.init_process_group(backend, timeout=datetime.timedelta(seconds=timeout_s),
                            device_id=device if device.type == "cuda" else None)
    return Rank(dist.get_rank(), dist.get_world_size(), local_rank,
                int(os.environ.get("LOCAL_WORLD_SIZE", "1")), backend, device, socket.gethostname())


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def emit_result(result: Result) -> None:
    print(RESULT_MARK + json.dumps(result), flush=True)


def run_reporting_errors(body) -> int:
    """Run ``body()``; on any exception print the marked error line and the traceback, and return 1."""
    try:
        body()
    except BaseException as error:
        traceback.print_exc()
        message = " ".join(str(error).split())
        print(f"{ERROR_MARK}rank {os.environ.get('RANK', '?')} on {socket.gethostname()}: "
              f"{type(error).__name__}: {message}", file=sys.stderr, flush=True)
        return 1  # no destroy_process_group here: with a peer gone it can block
    if dist.is_initialized():
        dist.barrier()  # no rank tears down before rank 0's result line is out
        dist.destroy_process_group()
    return 0
