"""``train --model``: a Hugging Face causal LM (hub name or local folder), optionally with LoRA adapters (peft).

Every rank loads the same weights in float32 (the optimizer's master copy; bf16 compute comes from the
strategy's mixed precision), through the normal Hugging Face cache and ``HF_ENDPOINT``. LoRA starts from
``torch.manual_seed(--seed)`` on every rank, without dropout, so runs and resumes are reproducible. FSDP2 shards
each decoder layer (the model's ``_no_split_modules``, what accelerate's TRANSFORMER_BASED_WRAP uses) and then
the root. transformers and peft are imported only here: a synthetic run needs neither.
"""

import torch
import torch.nn.functional as F
from torch import nn

from distributed.train.instruct_data import IGNORE, InstructBatches, load_records

INSTALL = "pip install 'transformers==5.24.0' 'peft==0.21.2' (the repo's `training` extra)"


def _import(name: str):
    try:
        return __import__(name)
    except ImportError as error:
        raise RuntimeError(f"--model needs {name} in every rank's environment ({error}): {INSTALL}") from None


def lora_targets(text: str) -> str | list[str]:
    """``all-linear`` (peft: every linear layer but the output head) or a comma-separated list of module names."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    return "all-linear" if names == ["all-linear"] else names


def load(args):
    """(model, tokenizer) on the CPU, LoRA applied when ``--lora-r`` > 0."""
    transformers = _import("transformers")
    transformers.utils.logging.disable_progress_bar()  # its bars would fill the run's log
    tokenizer = transformers.AutoTokenizer.from_pretrained(args.model)
    model = transformers.AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32)
    model.config.use_cache = False
    if args.lora_r:
        peft = _import("peft")
        torch.manual_seed(args.seed)
        config = peft.LoraConfig(r=args.lora_r, lora_alpha=lora_alpha(args), lora_dropout=0.0,
                                 target_modules=lora_targets(args.lora_targets), task_type="CAUSAL_LM")
        model = peft.get_peft_model(model, config)
    return model, tokenizer


def lora_alpha(args) -> float:
    return args.lora_alpha if args.lora_alpha is not None else 2 * args.lora_r


def decoder_layers(model: nn.Module) -> list[nn.Module]:
    """The repeated blocks: modules of the classes the model names in ``_no_split_modules``, else the members of
    its longest ``nn.ModuleList``."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    names = set(getattr(base, "_no_split_modules", None) or ())
    layers = [m for m in model.modules() if type(m).__name__ in names]
    if layers:
        return layers
    lists = [m for m in model.modules() if isinstance(m, nn.ModuleList)]
    return list(max(lists, key=len)) if lists else []


def loss_of(model, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the labelled (response) tokens; 0 when a batch has none."""
    logits = model(input_ids=x, use_cache=False).logits
    total = F.cross_entropy(logits.float().flatten(0, 1), labels.flatten(), ignore_index=IGNORE, reduction="sum")
    return total / (labels != IGNORE).sum().clamp(min=1)


def batches(args, tokenizer, world_size: int) -> InstructBatches:
    return InstructBatches(load_records(args.dataset), tokenizer, args.seed, args.micro_batch, args.seq_len,
                           world_size)


def save(model, tokenizer, state: dict, directory: str) -> str:
    """``save_pretrained`` of the gathered ``state``: the LoRA adapter alone for a peft model, else the whole
    model; the tokenizer beside it. Returns what was saved."""
    model.save_pretrained(directory, state_dict=state, safe_serialization=True)
    tokenizer.save_pretrained(directory)
    return "LoRA adapter" if hasattr(model, "get_base_model") else "model"


def describe(model, args) -> dict:
    lora = None
    if args.lora_r:
        lora = {"r": args.lora_r, "alpha": lora_alpha(args), "targets": lora_targets(args.lora_targets)}
    return {"model": args.model, "lora": lora,
            "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad)}
