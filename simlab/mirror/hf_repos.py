"""The stand-in Hugging Face Hub's repositories (``catalog.HF_REPOS``), made here byte for byte the same on every
build, and ``build_hub(dest)``: ``dest/<type>s/<org>/<name>/<file>`` plus ``dest/index.json`` (per repo: type,
commit sha, gated, and per file its size, git blob id and LFS pointer), what ``simlab.hf_hub`` serves.

Contents (LAB FIXTURES, no real weights or data):

- ``tiny-llama``: a Llama-architecture causal LM (``LlamaForCausalLM``: hidden 64, 2 layers, 4 heads, 2 KV heads,
  vocabulary 384) with seeded pseudo-random float32 weights in ``model.safetensors`` (written by hand: 8-byte
  header length, JSON header, raw little-endian data), a byte-level BPE ``tokenizer.json`` (merges learned from
  the stand-in dataset), ``tokenizer_config.json`` with a Llama-3-style chat template, ``generation_config.json``;
- ``alpaca``: a few hundred Alpaca-format rows (instruction / input / output) as ``data/train.jsonl``;
- ``unified_chip2``: the same rows as LAION OIG's ``unified_chip2.jsonl`` (``{"text": "<human>: ...\\n<bot>: ..."}``).
"""
from __future__ import annotations

import hashlib
import json
import random
import re
import struct
from collections import Counter
from pathlib import Path

from . import catalog

LAST_MODIFIED = "2025-01-01T00:00:00.000Z"
LFS_SUFFIXES = (".safetensors", ".jsonl")  # stored as LFS objects (pointer + sha256), like on the Hub

# --- the dataset ---------------------------------------------------------------------------------------------

_WORDS = ["spark", "cluster", "tensor", "kernel", "socket", "router", "bridge", "matrix", "vector", "buffer",
          "thread", "module", "signal", "packet", "folder", "laptop", "server", "window", "garden", "planet"]
_COLOURS = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white"]
_THINGS = ["apple", "river", "mountain", "candle", "rocket", "violin", "forest", "island"]


def _rows(seed: int = 7, n: int = 320) -> list[dict]:
    """``n`` Alpaca rows (instruction, input, output): small tasks whose answers follow from the question."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        kind = i % 8
        if kind == 0:
            a, b = rnd.randint(1, 50), rnd.randint(1, 50)
            rows.append({"instruction": f"What is {a} plus {b}?", "input": "", "output": f"{a} plus {b} is {a + b}."})
        elif kind == 1:
            w = rnd.choice(_WORDS)
            rows.append({"instruction": "Reverse the given word.", "input": w,
                         "output": f"The word {w} reversed is {w[::-1]}."})
        elif kind == 2:
            nums = rnd.sample(range(1, 100), 4)
            rows.append({"instruction": "Sort these numbers from smallest to largest.",
                         "input": ", ".join(map(str, nums)), "output": ", ".join(map(str, sorted(nums)))})
        elif kind == 3:
            k = rnd.randint(1, 63)
            rows.append({"instruction": f"Convert {k} to binary.", "input": "", "output": f"{k} in binary is {k:b}."})
        elif kind == 4:
            w = rnd.choice(_WORDS)
            rows.append({"instruction": "How many letters does this word have?", "input": w,
                         "output": f"The word {w} has {len(w)} letters."})
        elif kind == 5:
            c, t = rnd.choice(_COLOURS), rnd.choice(_THINGS)
            rows.append({"instruction": f"Write a short sentence about a {c} {t}.", "input": "",
                         "output": f"The {c} {t} was the first thing we saw in the morning."})
        elif kind == 6:
            w = rnd.choice(_WORDS)
            rows.append({"instruction": "Write the word in capital letters.", "input": w, "output": w.upper()})
        else:
            a, b = rnd.randint(2, 12), rnd.randint(2, 12)
            rows.append({"instruction": f"What is {a} times {b}?", "input": "", "output": f"{a} times {b} is {a * b}."})
    return rows


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def alpaca_jsonl() -> bytes:
    return _jsonl(_rows())


def unified_chip2_jsonl() -> bytes:
    """The rows as LAION OIG's unified_chip2.jsonl: one ``text`` with ``<human>:`` and ``<bot>:`` turns."""
    out = []
    for r in _rows():
        prompt = r["instruction"] + (f"\n{r['input']}" if r["input"] else "")
        out.append({"text": f"<human>: {prompt}\n<bot>: {r['output']}", "metadata": {"source": "sparklab-standin"}})
    return _jsonl(out)


# --- the tokenizer: byte-level BPE ----------------------------------------------------------------------------

SPECIAL_TOKENS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                  "<|eot_id|>", "<|finetune_right_pad_id|>"]
VOCAB_SIZE = 384
N_MERGES = VOCAB_SIZE - 256 - len(SPECIAL_TOKENS)
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}")
# GPT-2's pre-tokenizer split, in stdlib `re` terms (only used to learn merges; any merge list is valid)
_PRETOKEN = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+")


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character map (what ByteLevel pre-tokenization uses)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def _merges(texts: list[str], n: int) -> list[tuple[str, str]]:
    """``n`` BPE merges learned from ``texts`` (most frequent pair first, ties by the pair itself)."""
    b2u = _bytes_to_unicode()
    words = Counter(tuple(b2u[b] for b in piece.encode()) for t in texts for piece in _PRETOKEN.findall(t))
    merges = []
    for _ in range(n):
        pairs = Counter()
        for word, count in words.items():
            for pair in zip(word, word[1:]):
                pairs[pair] += count
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        merges.append(best)
        merged = Counter()
        for word, count in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += count
        words = merged
    return merges


def _training_texts() -> list[str]:
    texts = []
    for r in _rows():
        texts += [r["instruction"], r["input"], r["output"], "user", "assistant", "system"]
    return [t for t in texts if t]


def tokenizer_files() -> dict[str, bytes]:
    """tokenizer.json, tokenizer_config.json and special_tokens_map.json of the tiny model."""
    b2u = _bytes_to_unicode()
    vocab = {b2u[b]: b for b in range(256)}
    merges = _merges(_training_texts(), N_MERGES)
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    while len(vocab) < VOCAB_SIZE - len(SPECIAL_TOKENS):  # fewer distinct merges than planned: pad with fillers
        vocab[f"<|reserved_{len(vocab)}|>"] = len(vocab)
    special_ids = {tok: len(vocab) + i for i, tok in enumerate(SPECIAL_TOKENS)}
    added = [{"id": special_ids[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for t in SPECIAL_TOKENS]
    bos = SPECIAL_TOKENS[0]
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {bos: {"id": bos, "ids": [special_ids[bos]], "tokens": [bos]}},
        },
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                  "vocab": vocab, "merges": [[a, b] for a, b in merges]},
    }
    config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": bos,
        "eos_token": "<|eot_id|>",
        "pad_token": "<|finetune_right_pad_id|>",
        "model_max_length": 512,
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
        "added_tokens_decoder": {str(a["id"]): {k: v for k, v in a.items() if k != "id"} for a in added},
        "chat_template": CHAT_TEMPLATE,
    }
    special_map = {"bos_token": bos, "eos_token": "<|eot_id|>", "pad_token": "<|finetune_right_pad_id|>"}
    return {"tokenizer.json": _json(tokenizer), "tokenizer_config.json": _json(config),
            "special_tokens_map.json": _json(special_map)}


# --- the model ------------------------------------------------------------------------------------------------

LLAMA = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
         "num_key_value_heads": 2, "max_position_embeddings": 512}


def _special_id(token: str) -> int:
    return VOCAB_SIZE - len(SPECIAL_TOKENS) + SPECIAL_TOKENS.index(token)


def model_config() -> dict:
    head_dim = LLAMA["hidden_size"] // LLAMA["num_attention_heads"]
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", **LLAMA, "head_dim": head_dim,
        "vocab_size": VOCAB_SIZE, "hidden_act": "silu", "initializer_range": 0.02, "rms_norm_eps": 1e-05,
        "rope_theta": 500000.0, "rope_scaling": None, "attention_bias": False, "attention_dropout": 0.0,
        "mlp_bias": False, "pretraining_tp": 1, "tie_word_embeddings": True, "use_cache": True,
        "bos_token_id": _special_id("<|begin_of_text|>"),
        "eos_token_id": [_special_id("<|end_of_text|>"), _special_id("<|eot_id|>")],
        "pad_token_id": _special_id("<|finetune_right_pad_id|>"),
        "torch_dtype": "float32",
    }


def generation_config() -> dict:
    cfg = model_config()
    return {"bos_token_id": cfg["bos_token_id"], "eos_token_id": cfg["eos_token_id"],
            "pad_token_id": cfg["pad_token_id"], "do_sample": False, "max_new_tokens": 32}


def _tensor_shapes() -> list[tuple[str, list[int]]]:
    h, inter = LLAMA["hidden_size"], LLAMA["intermediate_size"]
    kv = LLAMA["num_key_value_heads"] * h // LLAMA["num_attention_heads"]
    shapes = [("model.embed_tokens.weight", [VOCAB_SIZE, h])]
    for i in range(LLAMA["num_hidden_layers"]):
        p = f"model.layers.{i}."
        shapes += [(p + "input_layernorm.weight", [h]), (p + "post_attention_layernorm.weight", [h]),
                   (p + "self_attn.q_proj.weight", [h, h]), (p + "self_attn.k_proj.weight", [kv, h]),
                   (p + "self_attn.v_proj.weight", [kv, h]), (p + "self_attn.o_proj.weight", [h, h]),
                   (p + "mlp.gate_proj.weight", [inter, h]), (p + "mlp.up_proj.weight", [inter, h]),
                   (p + "mlp.down_proj.weight", [h, inter])]
    return shapes + [("model.norm.weight", [h])]


def safetensors_bytes(seed: int) -> bytes:
    """model.safetensors: seeded N(0, 0.02) float32 weights (norm weights 1.0), tensors in name order."""
    rnd = random.Random(seed)
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, shape in sorted(_tensor_shapes()):
        count = 1
        for dim in shape:
            count *= dim
        values = [1.0] * count if name.endswith("norm.weight") else [rnd.gauss(0.0, 0.02) for _ in range(count)]
        data = struct.pack(f"<{count}f", *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    return struct.pack("<Q", len(head)) + head + b"".join(blobs)


def _json(obj) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode()


def _card(repo: str, spec: dict, body: str) -> bytes:
    front = ["---", f"license: {spec.get('license', 'other')}"]
    if spec["type"] == "model":
        front += ["library_name: transformers", "pipeline_tag: text-generation"]
    if spec.get("gated"):
        front += ["extra_gated_prompt: LAB FIXTURE - any hf_ token is granted access in the simulated lab."]
    front += ["tags:", "- sparklab-standin", "---", ""]
    return ("\n".join(front) + f"# {repo} (LAB FIXTURE)\n\n{body}\n").encode()


_GITATTRIBUTES = b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.jsonl filter=lfs diff=lfs merge=lfs -text\n"


def repo_files(repo: str, spec: dict) -> dict[str, bytes]:
    """Path in the repo -> content, for a HF_REPOS entry."""
    kind = spec["content"]
    if kind == "tiny-llama":
        files = {"config.json": _json(model_config()), "generation_config.json": _json(generation_config()),
                 "model.safetensors": safetensors_bytes(spec.get("seed", 0)), **tokenizer_files()}
        body = ("A tiny Llama-architecture causal LM for the simulated DGX Spark lab (sparklab): hidden size 64, "
                "2 layers, vocabulary 384, pseudo-random weights. Not a real model.")
    elif kind == "alpaca":
        files = {"data/train.jsonl": alpaca_jsonl()}
        body = "A few hundred synthetic Alpaca-format rows (instruction, input, output) for the simulated lab."
    elif kind == "unified_chip2":
        files = {"unified_chip2.jsonl": unified_chip2_jsonl()}
        body = "The stand-in Alpaca rows in LAION OIG's unified_chip2.jsonl format, for the simulated lab."
    else:
        raise ValueError(f"HF_REPOS[{repo!r}]: unknown content {kind!r}")
    return {".gitattributes": _GITATTRIBUTES, "README.md": _card(repo, spec, body), **files}


def _git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def file_entry(path: str, data: bytes) -> dict:
    """{size, oid, lfs}: what the Hub's tree API says of a file (git blob id; LFS pointer for big files)."""
    if path.endswith(LFS_SUFFIXES):
        sha = hashlib.sha256(data).hexdigest()
        pointer = f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {len(data)}\n".encode()
        return {"size": len(data), "oid": _git_blob_id(pointer),
                "lfs": {"oid": sha, "size": len(data), "pointerSize": len(pointer)}}
    return {"size": len(data), "oid": _git_blob_id(data), "lfs": None}


def build_hub(dest: Path) -> dict:
    """Write every HF_REPOS repository under ``dest`` and ``dest/index.json``; returns the index."""
    index = {"format": "sparklab-hf-hub/1", "lastModified": LAST_MODIFIED, "repos": {}}
    for repo, spec in catalog.HF_REPOS.items():
        files = repo_files(repo, spec)
        entries = {path: file_entry(path, data) for path, data in sorted(files.items())}
        sha = hashlib.sha1("".join(f"{p}\0{e['oid']}\n" for p, e in entries.items()).encode()).hexdigest()
        root = dest / f"{spec['type']}s" / repo
        for path, data in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
        index["repos"][f"{spec['type']}s/{repo}"] = {
            "id": repo, "type": spec["type"], "sha": sha, "gated": "manual" if spec.get("gated") else False,
            "files": entries}
    (dest / "index.json").write_bytes(_json(index))
    return index
