"""FSDP2 (``fully_shard``) training step and torch.distributed.checkpoint save/load.

HSDP is FSDP2 on a 2-D mesh (replicate, shard). FSDP1's HYBRID_SHARD is not used: with one GPU per node its
shard group has size 1 and it silently stops syncing replicas (measured; see the reference notes).
"""

from pathlib import Path

import torch
import torch.distributed as dist
import torch.distributed.checkpoint as dcp
from torch.distributed.checkpoint.state_dict import (
    StateDictOptions,
    get_model_state_dict,
    get_state_dict,
    set_state_dict,
)
from torch.distributed.device_mesh import init_device_mesh
from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

from distributed.train.gpt import loss_of


def gpt_loss(model, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return loss_of(model(x), y)


def device_mesh(rank, hsdp: bool, shard_size: int | None):
    if not hsdp:
        return init_device_mesh(rank.device.type, (rank.world_size,))
    shard = shard_size or rank.local_world_size
    if rank.world_size % shard:
        raise ValueError(f"--hsdp-shard-size {shard} does not divide {rank.world_size} ranks")
    return init_device_mesh(rank.device.type, (rank.world_size // shard, shard),
                            mesh_dim_names=("replicate", "shard"))


class FsdpTrainer:
    """``layers``: the blocks sharded one by one before the root (default ``model.blocks``); ``loss_fn(model, x,
    y)``: the step's loss (default the GPT's). Only parameters that require grad are optimized (LoRA)."""

    def __init__(self, model, rank, args, bf16: bool, layers=None, loss_fn=gpt_loss):
        mesh = device_mesh(rank, args.hsdp, args.hsdp_shard_size)
        policy = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32) if bf16 \
            else MixedPrecisionPolicy()
        model.to(rank.device)
        for block in model.blocks if layers is None else layers:
            fully_shard(block, mesh=mesh, mp_policy=policy)
        self.model = fully_shard(model, mesh=mesh, mp_policy=policy)
        self.loss_fn = loss_fn
        self.optimizer = torch.optim.AdamW([p for p in self.model.parameters() if p.requires_grad], lr=args.lr)
        self.mesh_shape = list(mesh.shape)

    def step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        loss = self.loss_fn(self.model, x, y)
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return loss.detach()

    def save(self, directory: str, step: int) -> str:
        model_state, optim_state = get_state_dict(self.model, self.optimizer)
        path = Path(directory) / f"step-{step}"
        dcp.save({"model": model_state, "optim": optim_state}, checkpoint_id=str(path))
        dist.barrier()
        if dist.get_rank() == 0:
            (Path(directory) / "latest").write_text(path.name)
        return str(path)

    def load(self, directory: str) -> int:
        tag = (Path(directory) / "latest").read_text().strip()
        model_state, optim_state = get_state_dict(self.model, self.optimizer)  # also creates optimizer state
        state = {"model": model_state, "optim": optim_state}
        dcp.load(state, checkpoint_id=str(Path(directory) / tag))
        set_state_dict(self.model, self.optimizer, model_state_dict=state["model"],
                       optim_state_dict=state["optim"])
        return int(tag.removeprefix("step-"))

    def full_state_dict(self, trainable_only: bool) -> dict:
        """The unsharded model state on rank 0's CPU (empty elsewhere): a collective, every rank calls it."""
        options = StateDictOptions(full_state_dict=True, cpu_offload=True, ignore_frozen_params=trainable_only)
        return get_model_state_dict(self.model, options=options)
