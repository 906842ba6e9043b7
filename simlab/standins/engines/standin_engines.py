#!/usr/bin/python3
"""Programs of the stand-in inference images, with the real ones' command lines (LAB FIXTURE).

In the images, /usr/local/bin/{vllm,trtllm-serve,llama-server,hf,huggingface-cli,open-webui},
/app/llama-server and /opt/nim/start_server.sh link to this file: the name it is run as picks the
program. ``python3 -m sglang.launch_server`` comes here through the stand-in ``sglang`` package.

    vllm serve MODEL [--host H] [--port 8000] [--served-model-name N]
    trtllm-serve [serve] MODEL [--host localhost] [--port 8000] [--extra_llm_api_options FILE]
    python3 -m sglang.launch_server --model-path M [--host 127.0.0.1] [--port 30000] [--served-model-name N]
    llama-server (-hf REPO[:QUANT] | -m PATH) [--host 127.0.0.1] [--port 8080] [-a NAME] [--embeddings]
                                      (-m: exit 1 unless PATH is a GGUF file, as the real one fails to load it)
    /opt/nim/start_server.sh          (NIM: $NIM_SERVED_MODEL_NAME on $NIM_SERVER_PORT)
    hf download REPO [--local-dir D]  (a marker directory, no weights)
    open-webui serve                  (Open WebUI: $PORT, checks $OLLAMA_BASE_URL)

Flags the stand-ins do not use are ignored like the real programs would accept them: ``--flag=value``,
``--flag value`` (the next word, when it is not a flag, is taken as its value) or ``--flag``. So
positional arguments go before such flags, as in the playbooks' commands.
"""
from __future__ import annotations

import json
import os
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import standin_server


class UsageError(Exception):
    pass


class StartError(Exception):
    """The program cannot start (exit 1), e.g. llama-server's model file is missing."""

GGUF_MAGIC = b"GGUF"


def _is_flag(arg: str) -> bool:
    return arg.startswith("-") and arg != "-"


def options(argv: list[str], known: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """(values of the ``known`` flags by their names, positional arguments); other flags are skipped."""
    values: dict[str, str] = {}
    positionals: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if not _is_flag(arg):
            positionals.append(arg)
            continue
        flag, eq, value = arg.partition("=")
        if not eq and i < len(argv) and (flag in known or not _is_flag(argv[i])):
            value = argv[i]
            i += 1
        elif not eq and flag in known:
            raise UsageError(f"{flag} needs a value")
        if flag in known:
            values[known[flag]] = value
    return values, positionals


@dataclass
class Serve:
    """An OpenAI-compatible engine serving one model id."""

    engine: str
    model: str
    host: str
    port: int

    def run(self) -> int:
        server = standin_server.EngineServer((self.host, self.port), self.engine, [self.model])
        return standin_server.run(server, f"{self.engine} stand-in serving {self.model}")


def _port(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise UsageError(f"invalid port {value!r}") from None


def vllm(argv: list[str]) -> Serve:
    opts, pos = options(argv, {"--host": "host", "--port": "port", "--served-model-name": "served",
                               "--model": "model"})
    if pos[:1] != ["serve"]:
        raise UsageError("usage: vllm serve MODEL [--host H] [--port P] [--served-model-name N] ...")
    model = pos[1] if len(pos) > 1 else opts.get("model")
    if not model:
        raise UsageError("vllm serve: no model given")
    # vLLM listens on every address unless --host is given.
    return Serve("vllm", opts.get("served") or model, opts.get("host", "0.0.0.0"), _port(opts.get("port", "8000")))


def trtllm_serve(argv: list[str]) -> Serve:
    if argv[:1] == ["serve"]:
        argv = argv[1:]
    opts, pos = options(argv, {"--host": "host", "--port": "port", "--extra_llm_api_options": "extra"})
    if not pos:
        raise UsageError("Missing argument 'MODEL'.")
    extra = opts.get("extra")
    if extra is not None and not os.path.isfile(extra):
        raise UsageError(f"Invalid value for '--extra_llm_api_options': File '{extra}' does not exist.")
    return Serve("trtllm", pos[0], opts.get("host", "localhost"), _port(opts.get("port", "8000")))


def sglang(argv: list[str]) -> Serve:
    opts, _ = options(argv, {"--model-path": "model", "--model": "model", "--host": "host", "--port": "port",
                             "--served-model-name": "served"})
    if not opts.get("model"):
        raise UsageError("the following arguments are required: --model-path")
    return Serve("sglang", opts.get("served") or opts["model"], opts.get("host", "127.0.0.1"),
                 _port(opts.get("port", "30000")))


def llama_server(argv: list[str]) -> Serve:
    opts, _ = options(argv, {"-hf": "hf", "-hfr": "hf", "--hf-repo": "hf", "-m": "model", "--model": "model",
                             "--host": "host", "--port": "port", "-a": "alias", "--alias": "alias"})
    served = opts.get("alias") or opts.get("hf") or (opts.get("model") and os.path.basename(opts["model"]))
    if not served:
        raise UsageError("no model given: use -hf REPO[:QUANT] or -m PATH")
    if opts.get("model") and not opts.get("hf"):
        _check_gguf(opts["model"])
    # The real image sets LLAMA_ARG_HOST=0.0.0.0; llama-server reads LLAMA_ARG_* as defaults.
    return Serve("llamacpp", served, opts.get("host", os.environ.get("LLAMA_ARG_HOST", "127.0.0.1")),
                 _port(opts.get("port", os.environ.get("LLAMA_ARG_PORT", "8080"))))


def _check_gguf(path: str) -> None:
    """Like llama-server loading ``-m PATH``: the file must exist and be a GGUF file (its magic)."""
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise StartError(f"failed to open GGUF file '{path}' ({e.strerror}); error: failed to load model") from None
    if magic != GGUF_MAGIC:
        raise StartError(f"invalid magic characters in '{path}'; error: failed to load model")


def nim(argv: list[str]) -> Serve:
    model = os.environ.get("NIM_SERVED_MODEL_NAME")
    if not model:
        raise UsageError("NIM_SERVED_MODEL_NAME is not set (the image sets it)")
    return Serve("nim", model, "0.0.0.0", _port(os.environ.get("NIM_SERVER_PORT", "8000")))


@dataclass
class Download:
    """``hf download``: a directory with a marker file where the snapshot would be."""

    repo: str
    path: Path

    def run(self) -> int:
        self.path.mkdir(parents=True, exist_ok=True)
        marker = {"repo": self.repo, "note": "LAB FIXTURE: simulated-lab stand-in, no weights downloaded"}
        (self.path / "sparklab-standin.json").write_text(json.dumps(marker) + "\n")
        print(self.path)
        return 0


def hf(argv: list[str]) -> Download:
    opts, pos = options(argv, {"--local-dir": "local_dir", "--cache-dir": "cache_dir"})
    if pos[:1] != ["download"] or len(pos) < 2:
        raise UsageError("usage: hf download REPO_ID [FILENAMES...] [--local-dir DIR]")
    repo = pos[1]
    if opts.get("local_dir"):
        return Download(repo, Path(opts["local_dir"]))
    home = os.environ.get("HF_HOME") or os.path.expanduser("~/.cache/huggingface")
    cache = opts.get("cache_dir") or os.environ.get("HF_HUB_CACHE") or os.path.join(home, "hub")
    return Download(repo, Path(cache) / ("models--" + repo.replace("/", "--")))


class WebUIHandler(standin_server.Handler):
    ROUTES: ClassVar[standin_server.Routes] = {("GET", "/"): "index", ("GET", "/health"): "health",
                                               ("GET", "/api/version"): "version"}

    def index(self):
        self.send_bytes(200, b"<!doctype html><title>Open WebUI (stand-in)</title>"
                             b"<h1>Open WebUI stand-in</h1><p>LAB FIXTURE of the simulated lab.</p>\n",
                        "text/html; charset=utf-8")

    def health(self):
        reachable, detail = self.server.ollama()
        self.send_json(200, {"status": True, "ollama": {"url": self.server.ollama_url, "reachable": reachable,
                                                        "detail": detail}})

    def version(self):
        self.send_json(200, {"version": "standin"})


class WebUIServer(standin_server.Server):
    name = "open-webui"

    def __init__(self, address: tuple[str, int], ollama_url: str):
        self.ollama_url = ollama_url
        super().__init__(address, WebUIHandler)

    def ollama(self) -> tuple[bool, str]:
        """Whether Ollama answers at OLLAMA_BASE_URL (its /api/version), and what it said."""
        try:
            with urllib.request.urlopen(self.ollama_url.rstrip("/") + "/api/version", timeout=3) as r:
                return True, r.read().decode(errors="replace").strip()
        except (OSError, ValueError) as e:
            return False, str(e)


@dataclass
class WebUI:
    host: str
    port: int
    ollama_url: str

    def run(self) -> int:
        server = WebUIServer((self.host, self.port), self.ollama_url)
        reachable, detail = server.ollama()
        standin_server.log(f"open-webui: Ollama at {self.ollama_url} {'reachable' if reachable else 'NOT reachable'}:"
                           f" {detail}")
        return standin_server.run(server, "Open WebUI stand-in")


def open_webui(argv: list[str]) -> WebUI:
    opts, _ = options(argv, {"--host": "host", "--port": "port"})
    return WebUI(opts.get("host", os.environ.get("HOST", "0.0.0.0")),
                 _port(opts.get("port", os.environ.get("PORT", "8080"))),
                 os.environ.get("OLLAMA_BASE_URL", "http://localhost:11434"))


PROGRAMS = {
    "vllm": vllm,
    "trtllm-serve": trtllm_serve,
    "sglang.launch_server": sglang,
    "llama-server": llama_server,
    "start_server.sh": nim,
    "hf": hf,
    "huggingface-cli": hf,
    "open-webui": open_webui,
}


def main(program: str, argv: list[str]) -> int:
    if program not in PROGRAMS:
        print(f"{program}: run this as one of: {', '.join(PROGRAMS)}", file=sys.stderr)
        return 2
    try:
        action = PROGRAMS[program](argv)
    except UsageError as e:
        print(f"{program}: error: {e}", file=sys.stderr)
        return 2
    except StartError as e:
        print(f"{program}: {e}", file=sys.stderr)
        return 1
    return action.run()


if __name__ == "__main__":
    sys.exit(main(os.path.basename(sys.argv[0]), sys.argv[1:]))
