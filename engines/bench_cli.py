"""``python -m engines bench``: the same prompts to every running inference engine, one comparison table.

Where the engines are: ``--url NAME=URL[,MODEL]`` (repeated; NAME starting with "ollama" means Ollama's API,
any other the OpenAI-compatible one; ``ollama:NAME=`` / ``openai:NAME=`` says it explicitly), and/or
``--inventory FILE`` (every engine the inventory enables on its hosts, ``--limit`` to some hosts).

Per engine: time to first token (client side), prefill and decode tokens/s, medians over the requests.
Exit status as NVIDIA's deepops validation scripts: 0 at least one engine measured and none failed; 1 no engine
running, or a running engine failed; 2 usage error (bad option, bad inventory).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engines import bench_report as report
from engines import prompts
from engines.bench import Settings, bench_all
from engines.inventory_endpoints import load_hosts
from engines.targets import parse_url_option, targets_from_hosts
from sparklab.toolcli import USAGE, UsageError


def _url(text: str):
    try:
        return parse_url_option(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix(f"--url {text}: ")) from None


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0, not {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engines", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("bench", help="TTFT, prefill and decode tokens/s of every running engine",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = sub.add_argument_group("which engines")
    where.add_argument("--url", action="append", type=_url, default=[], metavar="NAME=URL[,MODEL]",
                       help="an engine's base URL, e.g. vllm=http://10.99.0.11:8000 or "
                            "ollama=http://127.0.0.1:11434,qwen2.5:0.5b (model: default the first one it lists)")
    where.add_argument("--inventory", metavar="FILE", help="pyinfra inventory: every engine it enables on every host")
    where.add_argument("--limit", action="append", default=[], metavar="HOST",
                       help="only these inventory hosts (repeat, or comma-separated)")
    what = sub.add_argument_group("what to send")
    what.add_argument("--prompt", action="append", metavar="TEXT",
                      help="a prompt (repeat for several; default: 3 built-in prompts, short to long)")
    what.add_argument("--prompts-file", metavar="FILE", help="prompts, one per line (or a .json list of strings)")
    what.add_argument("--max-tokens", metavar="N", type=_positive(int), default=64,
                      help="tokens to generate (default 64)")
    what.add_argument("--repeat", metavar="N", type=_positive(int), default=1,
                      help="times each prompt is sent (default 1)")
    what.add_argument("--no-warmup", dest="warmup", action="store_false",
                      help="skip the uncounted warm-up request to each engine")
    what.add_argument("--exact-prompts", action="store_true",
                      help="send prompts as given (default: tagged per run and request, so that no engine "
                           "answers from its prefix cache)")
    what.add_argument("--timeout", metavar="SECONDS", type=_positive(float), default=300.0,
                      help="seconds one request may take, from sending it to its last token (default 300: real "
                           "engines can be slow on their first request)")
    what.add_argument("--probe-timeout", metavar="SECONDS", type=_positive(float), default=5.0,
                      help="seconds for the models route to answer before the engine counts as not running "
                           "(default 5)")
    out = sub.add_argument_group("report")
    out.add_argument("--format", choices=("table", "json"), default="table",
                     help="what goes to stdout (default: the table)")
    out.add_argument("--json", metavar="FILE", help="also write the JSON document here")
    out.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    return parser


def run_bench(args) -> int:
    if not args.url and not args.inventory:
        raise UsageError("give --url NAME=URL[,MODEL] or --inventory FILE")
    limit = [name for item in args.limit for name in item.split(",") if name]
    if limit and not args.inventory:
        raise UsageError("--limit needs --inventory")
    if args.json and not Path(args.json).resolve().parent.is_dir():
        raise UsageError(f"--json {args.json}: no folder {Path(args.json).resolve().parent}")
    chosen = prompts.choose(args.prompt, args.prompts_file)
    targets = list(args.url)
    if args.inventory:
        targets += targets_from_hosts(load_hosts(args.inventory), limit)
    if not targets:
        raise UsageError(f"{args.inventory} enables no engine on {'those hosts' if limit else 'any host'}")
    settings = Settings(tuple(chosen), args.max_tokens, args.repeat, args.warmup, args.timeout,
                        args.probe_timeout, None if args.exact_prompts else prompts.new_tag())

    def log(line: str) -> None:
        if not args.quiet:
            print(f"[bench] {line}", file=sys.stderr, flush=True)

    rows = bench_all(targets, settings, log)
    doc = report.document(rows, settings.as_dict())
    if args.json:
        Path(args.json).write_text(report.to_json(doc))
    if args.format == "json":
        sys.stdout.write(report.to_json(doc))
        print(report.verdict(rows), file=sys.stderr)
    else:
        print(report.table(rows))
        print()
        print(report.verdict(rows))
    return report.exit_status(rows)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run_bench(args)
    except UsageError as error:
        print(f"engines {args.command}: ERROR — {error}", file=sys.stderr)
        return USAGE
    except KeyboardInterrupt:
        print(f"engines {args.command}: interrupted", file=sys.stderr)
        return 130
