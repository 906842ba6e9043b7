"""Rank side of ``train``: a small GPT, or a Hugging Face causal LM (``--model``, optionally LoRA), trained with
FSDP2 or DeepSpeed ZeRO, with checkpoints and resume.

Every rank builds the same model from ``--seed``; batches depend only on (seed, step, rank), the learning
rate is constant, so loading a checkpoint taken after step k reproduces the uninterrupted step k+1 loss.
The reported loss is the mean over ranks. With ``--model``, rank 0 writes the final model (or LoRA adapter)
with ``save_pretrained`` to ``--save-dir``.
"""

import os
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


# --lr's default: the synthetic GPT's, and the usual orders for a full fine-tune and for LoRA.
DEFAULT_LR = {"synthetic": 3e-3, "full": 2e-5, "lora": 2e-4}


def learning_rate(args) -> float:
    if args.lr is not None:
        return args.lr
    return DEFAULT_LR["synthetic" if not args.model else "lora" if args.lora_r else "full"]


def make_trainer(model, rank, args, bf16, **hooks):
    if args.strategy == "fsdp":
        from distributed.train.train_fsdp import FsdpTrainer

        return FsdpTrainer(model, rank, args, bf16, **hooks)
    from distributed.train.train_deepspeed import DeepSpeedTrainer  # imports deepspeed: only when asked for

    return DeepSpeedTrainer(model, rank, args, bf16, **hooks)


def build(args, rank):
    """(model, data, trainer hooks, what the result says about the model) for the synthetic GPT or ``--model``."""
    if not args.model:
        model = GPT(VOCAB, args.seq_len, args.d_model, args.layers, args.heads)
        data = TextBatches(args.data, args.seed, args.micro_batch, args.seq_len) if args.data \
            else SyntheticBatches(args.seed, args.micro_batch, args.seq_len)
        info = {"model": None, "lora": None, "trainable_parameters": sum(p.numel() for p in model.parameters())}
        return model, data, {}, info, None
    from distributed.train import hf_model  # imports transformers (and peft): only when asked for

    model, tokenizer = hf_model.load(args)
    data = hf_model.batches(args, tokenizer, rank.world_size)
    loss_fn = hf_model.loss_of
    hooks = {"layers": hf_model.decoder_layers(model), "loss_fn": loss_fn}
    return model, data, hooks, hf_model.describe(model, args), tokenizer


def save_final(args, rank, model, tokenizer, trainer) -> dict | None:
    """``save_pretrained`` of the trained model (or its LoRA adapter) by rank 0; None without ``--model``."""
    if not args.model or not args.save_dir:
        return None
    from distributed.train import hf_model

    state = trainer.full_state_dict(trainable_only=bool(args.lora_r))
    saved = None
    if rank.rank == 0:
        what = hf_model.save(model, tokenizer, state, args.save_dir)
        saved = {"host": rank.host, "path": os.path.abspath(args.save_dir), "what": what}
    dist.barrier()
    return saved


def loss_trend(losses: list[float]) -> LossTrend:
    """First-5 and last-5 step means; ``loss_decreased`` is None when there are too few steps to tell."""
    if len(losses) < 10:
        return {"first5_mean": None, "last5_mean": None, "loss_decreased": None}
    first, last = mean(losses[:5]), mean(losses[-5:])
    return {"first5_mean": first, "last5_mean": last, "loss_decreased": last < first}


def run(args) -> None:
    rank = rank_env.init(args.backend, args.comm_timeout)
    args.lr = learning_rate(args)
    if args.save_dir and rank.rank == 0:
        os.makedirs(args.save_dir, exist_ok=True)  # fail now, not after training, when it cannot be written
    torch.manual_seed(args.seed)
    model, data, hooks, info, tokenizer = build(args, rank)
    parameters = sum(p.numel() for p in model.parameters())
    bf16 = use_bf16(args.precision, rank.device)
    trainer = make_trainer(model, rank, args, bf16, **hooks)
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
    saved = save_final(args, rank, model, tokenizer, trainer)
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
            data=args.dataset or args.data or "synthetic", parameters=parameters, **info, steps=args.steps,
            first_step=start + 1, losses=losses, step_times_s=step_times,
            tokens_per_step=tokens_per_step,
            tokens_per_s=tokens_per_step / median(steady) if steady else None,
            **loss_trend(losses), peak_memory=memory, checkpoints=checkpoints,
            resumed_from=start or None, saved=saved, telemetry=telemetry,
        ))
