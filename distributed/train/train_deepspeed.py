"""DeepSpeed ZeRO 1/2/3 training step and DeepSpeed checkpoints.

The accelerator follows the rank's device (DS_ACCELERATOR=cpu with gloo), and the optimizer is a plain
torch AdamW so nothing is JIT-compiled for it.
"""

import logging
import os
import warnings

import torch

from distributed.train.gpt import loss_of


class DeepSpeedTrainer:
    def __init__(self, model, rank, args, bf16: bool):
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
        optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
        self.engine, *_ = deepspeed.initialize(model=model, model_parameters=model.parameters(),
                                               config=config, optimizer=optimizer)

    def step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        loss = loss_of(self.engine(x), y)
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
