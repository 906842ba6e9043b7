"""DeepSpeed ZeRO 1/2/3 training step and DeepSpeed checkpoints.

The accelerator follows the rank's device (DS_ACCELERATOR=cpu with gloo), and the optimizer is a plain
torch AdamW so nothing is JIT-compiled for it.
"""

import logging
import os
import warnings

import torch

from distributed.train.gpt import loss_of


def gpt_loss(engine, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return loss_of(engine(x), y)


class DeepSpeedTrainer:
    """``loss_fn(engine, x, y)``: the step's loss (default the GPT's). Only parameters that require grad are
    optimized (LoRA); ``layers`` is FSDP's business and ignored here."""

    def __init__(self, model, rank, args, bf16: bool, layers=None, loss_fn=gpt_loss):
        os.environ.setdefault("DS_ACCELERATOR", "cuda" if rank.device.type == "cuda" else "cpu")
        import deepspeed
        from deepspeed.utils import logger

        logger.setLevel(logging.WARNING)  # its INFO lines drown the per-step progress
        # DeepSpeed 0.19.8 still calls the *_tensor collectives torch 2.13 deprecates, on every step.
        warnings.filterwarnings("ignore", category=FutureWarning, message=r".*is deprecated\. Please use")
        config = {
            "train_micro_batch_size_per_gpu": args.micro_batch,
            "gradient_accumulation_steps": 1,
            "zero_optimization": {"stage": args.zero_stage},
            "bf16": {"enabled": bf16},
            "steps_per_print": 10**9,
        }
        deepspeed.init_distributed(dist_backend=rank.backend)  # joins the existing process group
        trainable = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(trainable, lr=args.lr)
        self.engine, *_ = deepspeed.initialize(model=model, model_parameters=trainable,
                                               config=config, optimizer=optimizer)
        self.loss_fn, self.zero_stage, self._deepspeed = loss_fn, args.zero_stage, deepspeed

    def step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        loss = self.loss_fn(self.engine, x, y)
        self.engine.backward(loss)
        self.engine.step()
        return loss.detach()

    def save(self, directory: str, step: int) -> str:
        self.engine.save_checkpoint(directory, tag=f"step-{step}", client_state={"step": step})
        return os.path.join(directory, f"step-{step}")

    def load(self, directory: str) -> int:
        path, client_state = self.engine.load_checkpoint(directory)
        if path is None:
            raise FileNotFoundError(f"no DeepSpeed checkpoint in {directory}")
        return client_state["step"]

    def full_state_dict(self, trainable_only: bool) -> dict:
        """The whole model state on rank 0's CPU (empty elsewhere); ZeRO-3 gathers the partitioned parameters
        first: a collective, every rank calls it."""
        named = [(name, p) for name, p in self.engine.module.named_parameters()
                 if p.requires_grad or not trainable_only]
        gathered = self._deepspeed.zero.GatheredParameters([p for _, p in named], modifier_rank=None,
                                                           enabled=self.zero_stage == 3)
        with gathered:
            if self.engine.global_rank != 0:
                return {}
            return {name: p.detach().cpu().clone() for name, p in named}
