"""The prompts every engine gets: three built in (short, medium, long: prefill matters more as prompts grow), or
the operator's (``--prompt``, ``--prompts-file``).

Each request's prompt starts with a tag unique to this run and request (``[bench 3f9c1a-2]``), the same for
every engine: engines keep the KV cache of prompts they have seen (vLLM and SGLang prefix caching, Ollama,
llama.cpp), and a second run or ``--repeat`` would otherwise time a cache hit instead of a prefill.
``--exact-prompts`` sends them untouched.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from sparklab.toolcli import UsageError

SHORT = "What is the capital of France? Answer in one sentence."

MEDIUM = (
    "You are helping a student choose an inference backend for a single NVIDIA DGX Spark with 128 GB of unified "
    "memory. They want to serve one 20-billion-parameter chat model to a class of thirty people through an "
    "OpenAI-compatible API, with short answers and many concurrent users. Compare continuous batching, paged "
    "attention and quantization in a few sentences, then recommend one backend and explain why."
)

_NOTES = (
    ("Prefill processes every prompt token in parallel; it is compute bound and its speed is measured in tokens "
     "per second over the whole prompt."),
    ("Decode produces one token at a time for each sequence; it is bound by memory bandwidth, because every new "
     "token needs the full set of weights read from memory once."),
    ("Time to first token includes queueing, prefill and the first decode step; users notice it as the pause "
     "before an answer starts to appear."),
    ("Continuous batching adds new requests to a running batch between decode steps instead of waiting for the "
     "whole batch to finish, which raises throughput under load."),
    ("Paged attention stores the key-value cache in fixed-size blocks, so memory is not reserved for the longest "
     "possible answer of every request."),
    ("Prefix caching keeps the key-value blocks of prompts already seen, so a repeated system prompt costs almost "
     "nothing the second time."),
    ("Speculative decoding lets a small draft model propose several tokens that the large model checks in one "
     "step, trading extra compute for fewer memory-bound steps."),
    ("Quantization to FP8 or FP4 shrinks the weights, which speeds up decode on bandwidth-limited hardware and "
     "leaves more memory for the key-value cache."),
    ("CUDA graphs record a sequence of kernel launches once and replay it, removing launch overhead that matters "
     "most for small batches."),
    ("Tensor parallelism splits each layer across several GPUs and needs fast links between them; pipeline "
     "parallelism splits the layers into stages instead."),
    ("A unified memory system shares one pool between CPU and GPU, so the model, the cache and the operating "
     "system all draw from the same 128 GB."),
    ("Engines differ in how long they take to start: some compile kernels or build engines for the exact model "
     "and hardware first, others load weights and serve at once."),
)

LONG = (
    "Below are twelve notes from a lecture on large language model inference.\n\n"
    + "\n".join(f"{n}. {note}" for n, note in enumerate(_NOTES, 1))
    + "\n\nUsing only these notes, explain to a new student which of the notes matter most for a chat service "
    "with many short conversations, and which matter most for summarizing long documents. Give reasons."
)

BUILTIN = (SHORT, MEDIUM, LONG)

WARMUP = "Say hello in five words."


def load_prompts_file(path: str) -> list[str]:
    """A ``.json`` file: a list of strings; any other file: one prompt per line, blank lines skipped."""
    file = Path(path)
    try:
        text = file.read_text()
    except OSError as error:
        raise UsageError(f"--prompts-file {path}: {error.strerror or error}") from None
    if file.suffix == ".json":
        try:
            prompts = json.loads(text)
        except ValueError as error:
            raise UsageError(f"--prompts-file {path}: not JSON ({error})") from None
        if not isinstance(prompts, list) or not all(isinstance(p, str) for p in prompts):
            raise UsageError(f"--prompts-file {path}: expected a JSON list of strings")
        prompts = [p for p in prompts if p.strip()]
    else:
        prompts = [line.strip() for line in text.splitlines() if line.strip()]
    if not prompts:
        raise UsageError(f"--prompts-file {path}: no prompts in it")
    return prompts


def choose(given: list[str] | None, prompts_file: str | None) -> list[str]:
    """The prompts of ``--prompt`` and ``--prompts-file`` (in that order), else the built-in ones."""
    prompts = [p for p in given or [] if p.strip()]
    if prompts_file:
        prompts += load_prompts_file(prompts_file)
    if given and not prompts:
        raise UsageError("--prompt: empty prompt")
    return prompts or list(BUILTIN)


def new_tag() -> str:
    return secrets.token_hex(3)


def tagged(prompt: str, tag: str | None, number: int) -> str:
    return prompt if tag is None else f"[bench {tag}-{number}] {prompt}"
