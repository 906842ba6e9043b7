"""The lab user's Hugging Face cache, shared by every level-4 environment: the HF token in it (the Hub clients'
own 0600 `token` file, so no command line or env file carries it), and the models and datasets of the labs
downloaded ahead of class, each only when the cache lacks it.

The playbooks mount `$HOME/.cache/huggingface` in some labs and not in others (Unsloth and NeMo download the model
on every run); here every environment mounts it (sparklab.finetune_envs).
"""

from shlex import quote

from pyinfra import host, logger
from pyinfra.api import QuoteString, StringCommand, deploy
from pyinfra.operations import files, server

from roles import knob
from roles.users import home
from sparklab import host_secrets, hub
from sparklab.facts import HfCached

DEFAULTS = {
    # A Hub mirror (HF_ENDPOINT); None: huggingface.co.
    "hf_endpoint": None,
    # More environment for the Hub clients in every environment (e.g. {"HF_HUB_DISABLE_XET": "1"}).
    "hf_env": {},
    # Models and datasets downloaded ahead of class: "org/name", or {"repo": "org/name", "gated": True} for one
    # whose licence must be accepted (downloaded only with secrets.hf_token; skipped with a warning otherwise).
    # The playbooks' defaults, none gated: Unsloth's model, LLaMA Factory's, the PyTorch lab's dataset.
    "hf_models": ["unsloth/Phi-3.5-mini-instruct", "Qwen/Qwen3-4B-Instruct-2507"],
    "hf_datasets": ["tatsu-lab/alpaca"],
    # The short LoRA check of every environment (`python -m sparklab.finetune`): a model and an Alpaca-format
    # dataset (downloaded with the ones above), LLaMA Factory's chat template for the model, steps, learning rate.
    # The default is LLaMA Factory's lab model (not gated); NeMo keeps its recipe's own dataset (SQuAD).
    "finetune_check_model": "Qwen/Qwen3-4B-Instruct-2507",
    "finetune_check_dataset": "tatsu-lab/alpaca",
    "finetune_check_template": "qwen3_nothink",
    "finetune_check_steps": 20,
    "finetune_check_lr": 2e-4,
}


def cache_dir() -> str:
    return f"{home()}/.cache/huggingface"


def hub_env() -> dict[str, str]:
    """Environment every Hub client of the lab gets: the mirror, if any, and hf_env."""
    return hub.hub_env(knob)


def _entries(key: str, check: str) -> list[tuple[str, bool]]:
    """The repos of ``key`` and, when it is not among them, the short check's (a path on the Spark is no repo)."""
    entries = [(e, False) if isinstance(e, str) else (e["repo"], bool(e.get("gated"))) for e in knob(key)]
    if not hub.is_path(knob(check)) and knob(check) not in {repo for repo, _ in entries}:
        entries.append((knob(check), False))
    return entries


@deploy("Hugging Face cache", data_defaults=DEFAULTS)
def hf_cache(download_image: str | None = None):
    """``download_image``: an image with the `hf` CLI (the PyTorch environment) that downloads as the lab user."""
    data = host.data
    user, cache = data.lab_user, cache_dir()
    # ~/.cache first, the lab user's: made as root by the cache's `mkdir -p`, it kept pip, matplotlib and torch
    # from caching there (LLaMA Factory's plot_loss: "mkdir -p failed for path ~/.cache/matplotlib").
    files.directory(name="~/.cache", path=f"{home()}/.cache", user=user, group=user)
    files.directory(name="Hugging Face cache", path=cache, user=user, group=user, mode="755")
    token = host_secrets.optional("hf_token")
    if token:
        host_secrets.put("hf_token", token, dest=f"{cache}/token", user=user)
    if download_image is None:
        return
    env = [a for k, v in sorted(hub_env().items()) for a in ("-e", f"{k}={v}")]
    for key, check, kind in (("hf_models", "finetune_check_model", "model"),
                             ("hf_datasets", "finetune_check_dataset", "dataset")):
        for repo, gated in _entries(key, check):
            if gated and not token:
                host_secrets.skipped(f"Hugging Face {kind} {repo}", "gated; needs secrets.hf_token")
                continue
            if host.get_fact(HfCached, cache=cache, repo=repo, kind=kind):
                logger.debug(f"[{host.name}] {repo} is cached")
                continue
            as_user = f'"$(id -u {quote(user)}):$(id -g {quote(user)})"'
            server.shell(name=f"Hugging Face {kind} {repo} downloaded", commands=[StringCommand(
                "docker run --rm --user", as_user, "-e HF_HOME=/hf -e HOME=/tmp", *[QuoteString(a) for a in env],
                "-v", QuoteString(f"{cache}:/hf"), QuoteString(download_image),
                "hf download", QuoteString(repo), "--repo-type", kind, "--quiet")])
