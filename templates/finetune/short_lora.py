"""A short LoRA fine-tune in a level-4 environment, for `python -m sparklab.finetune` (which copies this file and
distributed/train/instruct_data.py into a run folder on the Spark and runs it through `spark-lab-pytorch` or
`spark-lab-unsloth`, so it uses exactly the packages a student's scripts use).

    python short_lora.py --framework peft|unsloth --model M --dataset D --steps N --out adapter

``--dataset``: a JSONL/JSON file, or a Hub dataset loaded with `datasets` (Parquet too: tatsu-lab/alpaca), in the
Alpaca format (instruction, input, output) or instruction/response. Each step prints one JSON line
``{"step", "loss", "seconds"}``; the last line is ``{"done": true, "adapter", "peak_memory_bytes", "memory_kind"}``.
Exit 3: Unsloth without a CUDA GPU (it needs one), so the run is reported as not applicable, not as failed.
"""

import argparse
import json
import resource
import sys
import time

NO_GPU = 3


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--framework", choices=["peft", "unsloth"], default="peft")
    parser.add_argument("--model", required=True)
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out", default="adapter")
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--seq-len", type=int, default=256)
    parser.add_argument("--max-samples", type=int, default=256)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--lora-r", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def emit(record: dict) -> None:
    print(json.dumps(record), flush=True)


def records_of(source: str, limit: int) -> list[dict]:
    from pathlib import Path

    from instruct_data import normalise, read_file

    if Path(source).is_file():
        rows = read_file(Path(source))
    else:
        import datasets

        rows = [normalise(r, f"{source} row {i}") for i, r in
                enumerate(datasets.load_dataset(source, split=f"train[:{limit}]"))]
    return rows[:limit]


def load(args, torch):
    """(model, tokenizer): LoRA on every linear layer but the head, r = --lora-r, alpha = 2r, no dropout."""
    cuda = torch.cuda.is_available()
    if args.framework == "unsloth":
        from unsloth import FastLanguageModel  # before transformers, as Unsloth asks

        model, tokenizer = FastLanguageModel.from_pretrained(model_name=args.model, max_seq_length=args.seq_len,
                                                             load_in_4bit=False, dtype=None)
        model = FastLanguageModel.get_peft_model(
            model, r=args.lora_r, lora_alpha=2 * args.lora_r, lora_dropout=0, random_state=args.seed,
            target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
        return model, tokenizer
    import peft
    import transformers

    transformers.utils.logging.disable_progress_bar()
    tokenizer = transformers.AutoTokenizer.from_pretrained(args.model)
    model = transformers.AutoModelForCausalLM.from_pretrained(
        args.model, dtype=torch.bfloat16 if cuda else torch.float32).to("cuda" if cuda else "cpu")
    config = peft.LoraConfig(r=args.lora_r, lora_alpha=2 * args.lora_r, lora_dropout=0.0,
                             target_modules="all-linear", task_type="CAUSAL_LM")
    return peft.get_peft_model(model, config), tokenizer


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch

    if args.framework == "unsloth" and not torch.cuda.is_available():
        print("Unsloth needs a CUDA GPU and torch sees none here (torch.cuda.is_available() is False)",
              file=sys.stderr)
        return NO_GPU
    from instruct_data import InstructBatches

    torch.manual_seed(args.seed)
    model, tokenizer = load(args, torch)
    device = next(model.parameters()).device
    batches = InstructBatches(records_of(args.dataset, args.max_samples), tokenizer, args.seed, args.batch_size,
                              args.seq_len, world_size=1)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr)
    model.train()
    for step in range(1, args.steps + 1):
        started = time.perf_counter()
        inputs, labels = (t.to(device) for t in batches.batch_at(step, rank=0))
        # instruct_data's labels are already shifted (labels[i] is the token after inputs[i]): no labels= here,
        # which would shift them once more
        logits = model(input_ids=inputs).logits
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1).float(), labels.flatten(), ignore_index=-100)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if device.type == "cuda":
            torch.cuda.synchronize()
        emit({"step": step, "loss": loss.item(), "seconds": time.perf_counter() - started})
    model.save_pretrained(args.out)
    cuda = device.type == "cuda"
    peak = torch.cuda.max_memory_allocated() if cuda else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    emit({"done": True, "adapter": args.out, "peak_memory_bytes": peak, "memory_kind": "cuda" if cuda else "rss"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
