"""One engine measured: is it running (its models route answers), which model, a warm-up, then every prompt
``repeat`` times, one request after the other (engines on one Spark share its memory: never two at once).

A result is a row of the report: ``status`` "ok", "not running" (the models route did not answer: a reason) or
"error" (it answered, then a request failed: the error, and the numbers of the requests before it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from engines import prompts as prompt_text
from engines.client import Deadline, HttpError, Stream, Unreachable, get_json
from engines.metrics import Measurement, as_dict, from_ollama_stream, from_openai_stream, summarize
from engines.parsers import StreamError, ollama_model_names, openai_model_ids
from engines.targets import Target

REQUEST_ERRORS = (Unreachable, HttpError, Deadline, StreamError, ValueError)
MODELS_ROUTE = {"openai": "/v1/models", "ollama": "/api/tags"}
PROBE_WORKERS = 16


@dataclass(frozen=True)
class Settings:
    prompts: tuple[str, ...]
    max_tokens: int = 64
    repeat: int = 1
    warmup: bool = True
    timeout: float = 300.0  # one request, from sending it to the end of its answer
    probe_timeout: float = 5.0  # the models route: is the engine running?
    tag: str | None = None  # see engines.prompts; None: prompts sent as given

    def as_dict(self) -> dict:
        return {**asdict(self), "prompts": list(self.prompts)}


class NotRunning(Exception):
    pass


def request_body(api: str, model: str, prompt: str, max_tokens: int) -> dict:
    if api == "ollama":
        return {"model": model, "prompt": prompt, "stream": True,
                "options": {"num_predict": max_tokens, "temperature": 0}}
    return {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens,
            "temperature": 0, "stream": True, "stream_options": {"include_usage": True}}


def request_url(target: Target) -> str:
    return target.url + ("/api/generate" if target.api == "ollama" else "/v1/chat/completions")


def served_models(target: Target, timeout: float) -> list[str]:
    """The models the engine lists; NotRunning when its models route does not answer as the API says."""
    url = target.url + MODELS_ROUTE[target.api]
    try:
        document = get_json(url, timeout)
        return ollama_model_names(document) if target.api == "ollama" else openai_model_ids(document)
    except (Unreachable, HttpError, ValueError) as error:
        raise NotRunning(str(error)) from None


def measure_one(target: Target, model: str, prompt: str, settings: Settings,
                clock: Callable[[], float] = time.perf_counter) -> Measurement:
    body = request_body(target.api, model, prompt, settings.max_tokens)
    with Stream(request_url(target), body, settings.timeout, clock) as stream:
        read = from_ollama_stream if target.api == "ollama" else from_openai_stream
        return read(stream.sent, stream)


def _row(target: Target, **fields) -> dict:
    """A report row; ``measurements``: each counted request (``prompt``: its index in the prompts, from 1)."""
    return {"host": target.host, "engine": target.engine, "url": target.url, "api": target.api,
            "model": target.model, "status": "ok", **summarize([]), "served_models": [], "measurements": [],
            **fields}


def probe(target: Target, timeout: float) -> list[str] | NotRunning:
    try:
        return served_models(target, timeout)
    except NotRunning as reason:
        return reason


def bench_target(target: Target, settings: Settings, log: Callable[[str], None] = lambda line: None,
                 clock: Callable[[], float] = time.perf_counter, probed: list[str] | NotRunning | None = None) -> dict:
    """``probed``: what :func:`probe` found, when it already ran."""
    where = f"{target.host} {target.engine}"
    listed = probe(target, settings.probe_timeout) if probed is None else probed
    if isinstance(listed, NotRunning):
        log(f"{where}: not running ({listed})")
        return _row(target, status="not running", reason=str(listed))
    model = target.model or (listed[0] if listed else None)
    if model is None:
        log(f"{where}: error, it lists no model")
        return _row(target, status="error", error="the engine lists no model (give one: --url NAME=URL,MODEL)")
    row = _row(target, model=model, served_models=listed)
    if target.model and listed and target.model not in listed:
        log(f"{where}: {target.model} is not among the models it lists ({', '.join(listed)}); asking for it anyway")
    measured: list[Measurement] = []
    details: list[dict] = []
    count = len(settings.prompts)
    plan = [(n, prompt) for n, prompt in enumerate(settings.prompts * settings.repeat, 1)]
    if settings.warmup:
        plan.insert(0, (0, prompt_text.WARMUP))
    for number, prompt in plan:
        what = "warm-up" if number == 0 else f"request {number}/{len(plan) - settings.warmup}"
        log(f"{where}: {what} ({model})")
        try:
            result = measure_one(target, model, prompt_text.tagged(prompt, settings.tag, number), settings, clock)
        except REQUEST_ERRORS as error:
            log(f"{where}: error in {what}: {error}")
            return {**row, **summarize(measured), "measurements": details, "status": "error",
                    "error": f"{what}: {error}"}
        if number:
            measured.append(result)
            details.append(as_dict(result, request=number, prompt=(number - 1) % count + 1))
    return {**row, **summarize(measured), "measurements": details}


def bench_all(targets: list[Target], settings: Settings, log: Callable[[str], None] = lambda line: None) -> list[dict]:
    """Every target, sorted by host then engine. The models routes are asked all at once (a host that is down
    costs one probe timeout, not one per engine); the requests go one after the other."""
    ordered = sorted(targets, key=lambda t: (t.host, t.engine, t.url))
    if not ordered:
        return []
    with ThreadPoolExecutor(max_workers=min(PROBE_WORKERS, len(ordered))) as pool:
        found = list(pool.map(lambda t: probe(t, settings.probe_timeout), ordered))
    return [bench_target(t, settings, log, probed=p) for t, p in zip(ordered, found, strict=True)]
