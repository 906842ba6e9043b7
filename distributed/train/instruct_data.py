"""Instruction/response examples for fine-tuning a Hugging Face causal LM, as padded, prompt-masked batches.

Records: JSONL (one object a line) or a JSON array, with ``instruction``, optional ``input``, and ``response``
or ``output`` (the Alpaca format is ``instruction``, ``input``, ``output``). ``--dataset`` is a file, a folder
of such files, or a Hugging Face dataset repo whose ``*.jsonl`` / ``*.json`` files are fetched with
huggingface_hub (through the normal cache and ``HF_ENDPOINT``; no ``datasets``, so no Parquet).

Each example is the Alpaca prompt, then the response and EOS, cut to ``--seq-len`` + 1 tokens and padded on the
right. Labels are -100 on the prompt and the padding: only the response (and EOS) is in the loss. Right padding
needs no attention mask for a causal model: a real token never attends to the padding after it.

Batches are a pure function of (seed, step, rank), as for the synthetic data: step s of rank r takes the
examples at global positions ((s-1)·world + r)·batch …, through a fresh seeded permutation per epoch, so a
resumed run sees exactly the examples an uninterrupted one would.
"""

import json
from pathlib import Path

import torch

IGNORE = -100  # torch cross_entropy's ignore_index
PROMPT = ("Below is an instruction that describes a task{context}. "
          "Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n")
PROMPT_INPUT = "### Input:\n{input}\n\n"
PROMPT_END = "### Response:\n"


def prompt_of(record: dict) -> str:
    """The Alpaca prompt (with its "### Input" block only when ``input`` is not empty)."""
    extra = (record.get("input") or "").strip()
    text = PROMPT.format(context=", paired with an input that provides further context" if extra else "",
                         instruction=record["instruction"].strip())
    return text + (PROMPT_INPUT.format(input=extra) if extra else "") + PROMPT_END


def normalise(record, where: str) -> dict:
    """``{"instruction", "input", "response"}`` of one record, or ValueError naming ``where``."""
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected an object, got {type(record).__name__}")
    response = record.get("response", record.get("output"))
    if not isinstance(record.get("instruction"), str) or not isinstance(response, str):
        raise ValueError(f"{where}: needs \"instruction\" and \"response\" (or \"output\") strings; "
                         f"keys: {sorted(record)}")
    extra = record.get("input") or ""
    if not isinstance(extra, str):
        raise ValueError(f"{where}: \"input\" must be a string")
    return {"instruction": record["instruction"], "input": extra, "response": response}


def read_file(path: Path) -> list[dict]:
    """Records of a JSONL file, or of a JSON file holding an array (Alpaca's ``alpaca_data.json``)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json" and text.lstrip().startswith("["):
        return [normalise(r, f"{path} item {i}") for i, r in enumerate(json.loads(text))]
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not JSON: {error}") from None
            records.append(normalise(record, f"{path}:{number}"))
    return records


def data_files(folder: Path) -> list[Path]:
    """The ``*.jsonl`` files of a folder (recursively), else its ``*.json`` files holding an array. A `.cache`
    folder inside it (`hf download --local-dir` metadata) is skipped; the folder itself may well be in one
    (a Hub snapshot in ~/.cache/huggingface)."""
    def data(path: Path) -> bool:
        return ".cache" not in path.relative_to(folder).parts

    jsonl = sorted(p for p in folder.rglob("*.jsonl") if data(p))
    if jsonl:
        return jsonl
    return sorted(p for p in folder.rglob("*.json")
                  if data(p) and p.read_text(encoding="utf-8").lstrip().startswith("["))


def hub_folder(name: str) -> Path:
    """A Hugging Face dataset repo's JSON files, through huggingface_hub's cache (and ``HF_ENDPOINT``)."""
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(name, repo_type="dataset", allow_patterns=["*.jsonl", "*.json"]))


def load_records(source: str) -> list[dict]:
    """Every record of ``source``: a file, a folder of files, or a hub dataset name."""
    path = Path(source).expanduser()
    if path.is_file():
        files = [path]
    else:
        folder = path if path.is_dir() else None
        if folder is None:
            if source.startswith((".", "/", "~")) or source.count("/") > 1 or path.suffix in (".json", ".jsonl"):
                raise FileNotFoundError(f"--dataset {source}: no such file or folder")
            folder = hub_folder(source)
        files = data_files(folder)
        if not files:
            raise ValueError(f"--dataset {source}: no *.jsonl file, nor *.json file holding an array, in "
                             f"{folder} (Parquet datasets need converting to JSONL first)")
    records = [record for file in files for record in read_file(file)]
    if not records:
        raise ValueError(f"--dataset {source}: no records")
    return records


def encode(tokenizer, record: dict, seq_len: int) -> tuple[list[int], list[int]]:
    """(input ids, labels) of one example, each exactly ``seq_len`` long: prompt and padding labelled -100."""
    prompt = tokenizer(prompt_of(record), add_special_tokens=True)["input_ids"]
    response = tokenizer(record["response"], add_special_tokens=False)["input_ids"]
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    tokens = (prompt + response + eos)[: seq_len + 1]
    inputs, targets = tokens[:-1], tokens[1:]
    labels = [IGNORE if i + 1 < len(prompt) else t for i, t in enumerate(targets)]
    pad = pad_id(tokenizer)
    missing = seq_len - len(inputs)
    return inputs + [pad] * missing, labels + [IGNORE] * missing


def pad_id(tokenizer) -> int:
    for token_id in (tokenizer.pad_token_id, tokenizer.eos_token_id, 0):
        if token_id is not None:
            return token_id


class InstructBatches:
    """Padded, prompt-masked batches of ``records``, a pure function of (seed, step, rank)."""

    def __init__(self, records: list[dict], tokenizer, seed: int, batch: int, seq_len: int, world_size: int):
        self.records, self.tokenizer = records, tokenizer
        self.seed, self.batch, self.seq_len, self.world_size = seed, batch, seq_len, world_size
        self._order: dict[int, list[int]] = {}
        # A window that the prompts fill leaves nothing to learn: the loss would be 0 from the first step.
        if not any(any(label != IGNORE for label in encode(tokenizer, r, seq_len)[1]) for r in records[:64]):
            raise ValueError(f"--seq-len {seq_len}: the prompts fill the whole window, no response token is "
                             "left to learn from; raise --seq-len")

    def order(self, epoch: int) -> list[int]:
        if epoch not in self._order:
            self._order = {epoch: torch.randperm(len(self.records), generator=torch.Generator().manual_seed(
                self.seed * 1_000_003 + epoch)).tolist()}
        return self._order[epoch]

    def indices(self, step: int, rank: int) -> list[int]:
        first = ((step - 1) * self.world_size + rank) * self.batch
        n = len(self.records)
        return [self.order(p // n)[p % n] for p in range(first, first + self.batch)]

    def batch_at(self, step: int, rank: int) -> tuple[torch.Tensor, torch.Tensor]:
        encoded = [encode(self.tokenizer, self.records[i], self.seq_len) for i in self.indices(step, rank)]
        inputs, labels = zip(*encoded, strict=True)
        return torch.tensor(inputs, dtype=torch.long), torch.tensor(labels, dtype=torch.long)
