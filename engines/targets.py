"""Which engines to measure: ``--url NAME=URL[,MODEL]`` options, or the engines an inventory enables on its hosts."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sparklab.toolcli import UsageError

APIS = ("openai", "ollama")


@dataclass(frozen=True)
class Target:
    host: str
    engine: str
    url: str  # base URL: scheme, host and port, no trailing slash
    api: str  # "openai" (vLLM, TensorRT-LLM, SGLang, NIM, llama.cpp) or "ollama"
    model: str | None  # None: the first model the engine lists


def api_of(name: str) -> str:
    return "ollama" if name.lower().startswith("ollama") else "openai"


def _base_url(url: str, option: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{option}: {url!r} is not an http:// or https:// URL")
    try:
        _ = parts.port  # raises on a port that is not a number
    except ValueError:
        raise UsageError(f"{option}: {url!r} has a bad port") from None
    path = parts.path.rstrip("/")
    # An OpenAI client's base_url ends in /v1; the routes are added here.
    path = path.removesuffix("/v1")
    return f"{parts.scheme}://{parts.netloc}{path}"


def parse_url_option(text: str) -> Target:
    """``NAME=URL[,MODEL]``; ``API:NAME=...`` names the API (openai, ollama) when NAME does not say it.

    NAME starting with "ollama" means Ollama's API, anything else the OpenAI-compatible one.
    """
    option = f"--url {text}"
    name, equals, rest = text.partition("=")
    name, rest = name.strip(), rest.strip()
    if not equals or not name or not rest:
        raise UsageError(f"{option}: expected NAME=URL[,MODEL], e.g. vllm=http://10.99.0.11:8000")
    api = None
    if ":" in name:
        api, _, name = name.partition(":")
        if api not in APIS or not name:
            raise UsageError(f"{option}: API:NAME needs an API of {', '.join(APIS)} and a name")
    url, _, model = rest.partition(",")
    base = _base_url(url.strip(), option)
    return Target(urlsplit(base).hostname, name, base, api or api_of(name), model.strip() or None)


def _url_host(address: str) -> str:
    return f"[{address}]" if ":" in address and not address.startswith("[") else address


def targets_from_hosts(hosts: list[dict], only: list[str] | None = None) -> list[Target]:
    """Targets from plain inventory data (see ``engines.inventory_endpoints.hosts_of``), limited to ``only`` hosts."""
    names = [h["name"] for h in hosts]
    missing = [name for name in only or () if name not in names]
    if missing:
        raise UsageError(f"no host {missing[0]} in the inventory (hosts: {', '.join(names) or 'none'})")
    targets = []
    for host in hosts:
        if only and host["name"] not in only:
            continue
        for endpoint in host["endpoints"]:
            api = endpoint["api"]
            if api not in APIS:
                raise UsageError(f"host {host['name']}: engine {endpoint['name']} has an unknown API {api!r}")
            url = f"http://{_url_host(host['address'])}:{int(endpoint['port'])}"
            targets.append(Target(host["name"], endpoint["name"], url, api, endpoint.get("model")))
    return targets
