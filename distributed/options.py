"""The options a rank takes, declared once: the driver parses them (for --help and early errors) and hands
them on to every rank as a command line; the rank parses the same table. No torch import here, so the
driver runs on a machine without torch (nccl-tests only needs ssh).
"""

import argparse

from distributed.nccl_tests.nccl_format import OPS
from distributed.nccl_tests.sizes import parse_size


def _ops(text: str) -> list[str]:
    ops = [op.strip() for op in text.split(",") if op.strip()]
    unknown = [op for op in ops if op not in OPS]
    if unknown or not ops:
        bad = unknown[0] if unknown else text
        raise argparse.ArgumentTypeError(f"unknown op {bad!r}; known: {', '.join(OPS)}")
    return ops


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


_RANK = [
    ("--backend", dict(choices=("auto", "nccl", "gloo"), default="auto",
                       help="auto: nccl when CUDA is available, else gloo")),
    ("--comm-timeout", dict(type=int, default=300,
                            help="seconds a rank waits at rendezvous or in a collective before failing")),
]
_COLLECTIVES = [
    ("--ops", dict(type=_ops, default=list(OPS), help="comma-separated subset of " + ",".join(OPS))),
    ("--min-bytes", dict(type=_size, default=parse_size("1K"),
                         help="smallest size, e.g. 8, 1K, 4M (default 1K)")),
    ("--max-bytes", dict(type=_size, default=parse_size("64M"), help="largest size (default 64M)")),
    ("--factor", dict(type=int, default=2, help="size multiplier between steps")),
    ("--iters", dict(type=int, default=20, help="timed runs per size")),
    ("--warmup", dict(type=int, default=1, help="untimed runs per size")),
    ("--dtype", dict(choices=("float", "half", "bfloat16"), default="float")),
]
_TRAIN = [
    ("--strategy", dict(choices=("fsdp", "deepspeed"), default="fsdp")),
    ("--zero-stage", dict(type=int, choices=(1, 2, 3), default=3, help="DeepSpeed ZeRO stage")),
    ("--hsdp", dict(action="store_true",
                    help="FSDP2 hybrid sharding: shard within a node, replicate across nodes")),
    ("--hsdp-shard-size", dict(type=int, help="ranks per shard group with --hsdp (default: ranks per node)")),
    ("--steps", dict(type=int, default=50)),
    ("--micro-batch", dict(type=int, default=8, help="sequences per rank per step")),
    ("--seq-len", dict(type=int, default=64)),
    ("--d-model", dict(type=int, default=128)),
    ("--layers", dict(type=int, default=4)),
    ("--heads", dict(type=int, default=4)),
    ("--lr", dict(type=float, help="constant learning rate (default: 3e-3 for the small GPT, 2e-5 for a "
                                   "--model full fine-tune, 2e-4 with LoRA)")),
    ("--seed", dict(type=int, default=0)),
    ("--data", dict(help="small text file to train on (bytes as tokens; the same path on every node); "
                         "default: synthetic sequences")),
    ("--model", dict(help="Hugging Face causal LM to fine-tune instead of the small GPT: hub name (HF cache, "
                          "HF_ENDPOINT) or a folder, the same on every node; --d-model/--layers/--heads do not apply")),
    ("--dataset", dict(help="with --model: instruction/response JSONL (instruction, input?, response|output) or "
                            "Alpaca JSON, a folder of them, or a hub dataset repo holding them")),
    ("--lora-r", dict(type=int, default=0, help="with --model: LoRA rank (peft); 0 trains every weight")),
    ("--lora-alpha", dict(type=float, help="LoRA alpha (default 2 x --lora-r)")),
    ("--lora-targets", dict(default="all-linear",
                            help="comma-separated module names LoRA wraps, e.g. q_proj,v_proj (default all-linear)")),
    ("--save-dir", dict(help="with --model: where rank 0 saves the final model or adapter (save_pretrained); "
                             "the driver's default is model/ in the run folder")),
    ("--precision", dict(choices=("auto", "bf16", "fp32"), default="auto",
                         help="auto: bf16 where the device supports it (CUDA), else fp32")),
    ("--checkpoint-dir", dict(help="save checkpoints here (torch.distributed.checkpoint or DeepSpeed's)")),
    ("--checkpoint-every", dict(type=int, default=0,
                                help="steps between checkpoints (default: last step only)")),
    ("--resume", dict(action="store_true", help="continue from the latest checkpoint in --checkpoint-dir")),
]
OPTIONS = {"collectives": _RANK + _COLLECTIVES, "train": _RANK + _TRAIN}


def add_options(parser: argparse.ArgumentParser, command: str) -> None:
    for flag, kwargs in OPTIONS[command]:
        parser.add_argument(flag, **kwargs)


def worker_argv(command: str, args: argparse.Namespace) -> list[str]:
    """The rank's command line carrying the values in ``args``."""
    argv = [command]
    for flag, kwargs in OPTIONS[command]:
        value = getattr(args, flag[2:].replace("-", "_"))
        if kwargs.get("action") == "store_true":
            argv += [flag] if value else []
        elif value is not None:
            argv += [flag, ",".join(value) if isinstance(value, list) else str(value)]
    return argv
