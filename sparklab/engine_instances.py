"""Inference engine instances: what the inventory's ``engines`` says, resolved against the engine
catalog and the curriculum profiles (role knobs of ``roles.inference_engines``), and checked before connecting.

An instance is one systemd unit ``engine-<name>``. Its settings are the catalog entry of its engine,
overridden by its profile, overridden by the instance's own keys; ``{model}``, ``{served_model}``,
``{port}`` and ``{config}`` in its command, arguments and environment are filled in from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

# Where an instance's `files` are mounted (read-only) inside its container; `{config}` in commands.
CONFIG_MOUNT = "/etc/spark-lab/engine"
# An instance NAME is the systemd unit (and container) `engine-NAME`.
UNIT_PREFIX = "engine-"


class EngineSpec(BaseModel):
    """One engine instance, fully resolved."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: str
    # "container": the unit runs the image; "build": a native binary built on the host (llama.cpp).
    mode: Literal["container", "build"] = "container"
    image: str | None = None
    # Program and arguments; empty = the image's own command (NIM).
    command: list[str] = []
    args: list[str] = []
    model: str
    served_model: str | None = None
    port: int = Field(ge=1, le=65535)
    env: dict[str, str] = {}
    docker_args: list[str] = []
    volumes: list[str] = []
    # File name -> content, written to the host and mounted at CONFIG_MOUNT.
    files: dict[str, str] = {}
    # Environment variable -> secret name, passed through a 0600 env file; the engine needs them all.
    secrets: dict[str, str] = {}
    # A gated Hugging Face model (a licence to accept): the engine needs the HF token to download it.
    # Any other engine gets the token when the inventory has one, and runs without it otherwise.
    gated: bool = False
    health: str = "/health"
    boot: bool = False
    enabled: bool = True


@dataclass(frozen=True)
class Instance:
    name: str
    spec: EngineSpec
    heavy: bool

    @property
    def unit(self) -> str:
        return f"{UNIT_PREFIX}{self.name}"

    @property
    def served_model(self) -> str:
        return self.spec.served_model or self.spec.model

    def _fill(self, text: str) -> str:
        return (text.replace("{model}", self.spec.model).replace("{served_model}", self.served_model)
                .replace("{port}", str(self.spec.port)).replace("{config}", CONFIG_MOUNT))

    @property
    def argv(self) -> list[str]:
        """The engine's command line inside its container (or on the host, when built)."""
        return [self._fill(a) for a in [*self.spec.command, *self.spec.args]]

    @property
    def env(self) -> dict[str, str]:
        return {k: self._fill(v) for k, v in self.spec.env.items()}


# The Hugging Face token: (environment variable, secret name).
HF_TOKEN = ("HF_TOKEN", "hf_token")


def env_secrets(instance: Instance, available) -> dict[str, str]:
    """Environment variable -> secret name for the instance's env file: its own secrets, and the HF
    token when ``available("hf_token")`` (always listed for a gated model, so that it is required)."""
    wanted = dict(instance.spec.secrets)
    var, name = HF_TOKEN
    if instance.spec.gated or available(name):
        wanted.setdefault(var, name)
    return wanted


def skip_reason(instance: Instance, missing_secret, has_gpu: bool) -> str | None:
    """Why ``instance`` cannot be installed on a host, or None. ``missing_secret(name)`` says why a
    secret cannot be read (None when it can). Shared by the role and the checkpoint."""
    if instance.spec.mode == "build" and not has_gpu:
        return "no NVIDIA GPU to build for; use mode: container"
    for name in env_secrets(instance, lambda secret: missing_secret(secret) is None).values():
        why = missing_secret(name)
        if why is not None:
            gated = f"model {instance.spec.model} is gated and " if name == HF_TOKEN[1] else ""
            return f"{gated}needs secrets.{name}: {why}"
    return None


@dataclass(frozen=True)
class Endpoint:
    """Where a running engine answers (for checks and `engines bench`)."""

    name: str
    api: Literal["openai", "ollama"]
    port: int
    model: str | None
    health: str


def resolve(engines: Mapping[str, Any], catalog: Mapping[str, Any], profiles: Mapping[str, Any],
            heavy: list[str]) -> list[Instance]:
    """The enabled instances, in name order; ValueError names the instance and field at fault. Their ports and
    memory are checked with every other workload of the host (sparklab.workload_plan)."""
    instances = []
    for name, settings in sorted(engines.items()):
        if not isinstance(settings, Mapping):
            raise ValueError(f"engines.{name}: expected a dict of settings, got {settings!r}")
        settings = dict(settings)
        profile_name = settings.pop("profile", None)
        if profile_name is not None and profile_name not in profiles:
            raise ValueError(f"engines.{name}.profile: unknown profile {profile_name!r}; "
                             f"known: {', '.join(sorted(profiles))}")
        profile = dict(profiles.get(profile_name) or {})
        engine = settings.get("engine") or profile.get("engine") or name
        if engine not in catalog:
            raise ValueError(f"engines.{name}.engine: unknown engine {engine!r}; known: {', '.join(sorted(catalog))}")
        merged = {**catalog[engine], **profile, **settings, "engine": engine}
        try:
            spec = EngineSpec(**merged)
        except ValidationError as error:
            item = error.errors()[0]
            field = ".".join(str(p) for p in item["loc"])
            raise ValueError(f"engines.{name}.{field}: {item['msg']}") from None
        if spec.mode == "container" and not spec.image:
            raise ValueError(f"engines.{name}.image: a container engine needs an image")
        if spec.enabled:
            instances.append(Instance(name, spec, heavy=engine in heavy))
    return instances


def instances_of(setting) -> list[Instance]:
    """The instances of one host, from a ``setting(key)`` lookup (HostConfig.setting or roles.knob)."""
    return resolve(setting("engines"), setting("engine_catalog"), setting("engine_profiles"),
                   setting("engines_heavy"))


def ollama_port(setting) -> int:
    """The port of Ollama's `ollama_host` ("0.0.0.0:11434", "host:port" or ":port")."""
    return int(str(setting("ollama_host")).rsplit(":", 1)[-1])


def ollama_url(setting) -> str:
    """The local Ollama's base URL, for clients on the same host (Open WebUI, Continue.dev)."""
    return f"http://127.0.0.1:{ollama_port(setting)}"


def endpoints(config) -> list[Endpoint]:
    """Ollama and every enabled engine of a host (``config``: sparklab.inventory.HostConfig)."""
    found = []
    if config.setting("ollama_enabled"):
        models = config.setting("ollama_models")
        found.append(Endpoint("ollama", "ollama", ollama_port(config.setting), models[0] if models else None,
                              "/api/version"))
    found += [Endpoint(i.name, "openai", i.spec.port, i.served_model, i.spec.health)
              for i in instances_of(config.setting)]
    return found
