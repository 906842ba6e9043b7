"""Rank side of ``train``: a small GPT trained with FSDP2 or DeepSpeed ZeRO, with checkpoints and resume.

Every rank builds the same model from ``--seed``; batches depend only on (seed, step, rank), the learning
rate is constant, so loading a checkpoint taken after step k reproduces the uninterrupted step k+1 loss.
The reported loss is the mean over ranks.
"""

import resource
import time
from statistics import mean, median

import torch
import torch.distributed as dist

from distributed.launch import rank_env
from distributed.results import LossTrend, TrainResult
from distributed.telemetry import GpuSampler
from distributed.train.gpt import GPT
from distributed.train.train_data import VOCAB, SyntheticBatches, TextBatches


def use_bf16(precision: str, device: torch.device) -> bool:
    if precision == "auto":
        return device.type == "cuda" and torch.cuda.is_bf16_supported()
    return precision == "bf16"


def peak_memory(device: torch.device) -> dict:
    if device.type == "cuda":
        return {"bytes": torch.cuda.max_memory_allocated(device), "what": "torch.cuda.max_memory_allocated"}
    return {"bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "what": "process peak RSS"}


def make_trainer(model, rank, args, bf16):
    if args.strategy == "fsdp":
        from distributed.train.train_fsdp import FsdpTrainer

        return FsdpTrainer(model, rank, args, bf16)
    from distributed.train.train_deepspeed import DeepSpeedTrainer  # imports deepspeed: only when asked for

    return DeepSpeedTrainer(model, rank, args, bf16)


def loss_trend(losses: list[float]) -> LossTrend:
    """First-5 and last-5 step means; ``loss_decreased`` is None when there are too few steps to tell."""
    if len(losses) < 10:
        return {"first5_mean": None, "last5_mean": None, "loss_decreased": None}
    first, last = mean(losses[:5]), mean(losses[-5:])
    return {"first5_mean": first, "last5_mean": last, "loss_decreased": last < first}


def run(args) -> None:
    rank = rank_env.init(args.backend, args.comm_timeout)
    torch.manual_seed(args.seed)
    model = GPT(VOCAB, args.seq_len, args.d_model, args.layers, args.heads)
    parameters = sum(p.numel() for p in model.parameters())
    bf16 = use_bf16(args.precision, rank.device)
    data = TextBatches(args.data, args.seed, args.micro_batch, args.seq_len) if args.data \
        else SyntheticBatches(args.seed, args.micro_batch, args.seq_len)
    trainer = make_trainer(model, rank, args, bf16)
    start = trainer.load(args.checkpoint_dir) if args.resume else 0
    sampler = GpuSampler(rank.local_rank).start()
    tokens_per_step = args.micro_batch * args.seq_len * rank.world_size
    losses, step_times, checkpoints = [], [], []
    for step in range(start + 1, args.steps + 1):
        x, y = (t.to(rank.device) for t in data.batch_at(step, rank.rank))
        began = time.perf_counter()
        loss = trainer.step(x, y)
        dist.all_reduce(loss)
        rank_env.sync(rank.device)
        step_times.append(time.perf_counter() - began)
        losses.append(loss.item() / rank.world_size)
        if rank.rank == 0:
            print(f"step {step}/{args.steps} loss {losses[-1]:.6f} "
                  f"{tokens_per_step / step_times[-1]:.0f} tokens/s", flush=True)
        every = args.checkpoint_every
        if args.checkpoint_dir and (step == args.steps or (every and step % every == 0)):
            checkpoints.append(trainer.save(args.checkpoint_dir, step))
    telemetry = [None] * rank.world_size
    dist.all_gather_object(telemetry, {"rank": rank.rank, "host": rank.host, **sampler.stop()})
    memory = [None] * rank.world_size
    dist.all_gather_object(memory, {"rank": rank.rank, "host": rank.host, **peak_memory(rank.device)})
    if rank.rank == 0:
        steady = step_times[1:] or step_times  # the first step pays for warm-up
        rank_env.emit_result(TrainResult(
            kind="train", strategy=args.strategy,
            zero_stage=args.zero_stage if args.strategy == "deepspeed" else None,
            hsdp=args.hsdp, mesh_shape=getattr(trainer, "mesh_shape", None),
            backend=rank.backend, device_type=rank.device.type, precision="bf16" if bf16 else "fp32",
            world_size=rank.world_size, hosts=sorted({t["host"] for t in telemetry}),
            data=args.data or "synthetic", parameters=parameters, steps=args.steps,
            first_step=start + 1, losses=losses, step_times_s=step_times,
            tokens_per_step=tokens_per_step,
            tokens_per_s=tokens_per_step / median(steady) if steady else None,
            **loss_trend(losses), peak_memory=memory, checkpoints=checkpoints,
            resumed_from=start or None, telemetry=telemetry,
        ))
