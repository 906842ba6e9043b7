"""Facts the roles decide on: what hardware and OS the host really has.

Every path or value put into a fact's command is shell-quoted: it may come from inventory data."""

from __future__ import annotations

import json
import re
from shlex import quote

from pyinfra.api import FactBase


def static_fact(fact: type[FactBase], **kwargs):
    """A fact no deploy changes (the GPU, the architecture, the OS release), gathered once per host and run:
    pyinfra gathers a fact anew on every call, one SSH round trip each, host after host while a deploy
    file is planned."""
    from pyinfra import host

    cache = getattr(host, "_spark_lab_static_facts", None)
    if cache is None:
        cache = {}
        host._spark_lab_static_facts = cache
    key = (fact, tuple(sorted(kwargs.items())))
    if key not in cache:
        cache[key] = host.get_fact(fact, **kwargs)
    return cache[key]


class NvidiaGpus(FactBase):
    """GPU names from `nvidia-smi -L` (empty when there is no NVIDIA driver or GPU)."""

    default = list

    def requires_command(self) -> str:
        return "nvidia-smi"

    command = "nvidia-smi -L"

    def process(self, output):
        return [m.group(1) for line in output if (m := re.match(r"GPU \d+: (.+?) \(UUID", line))]


class DgxRelease(FactBase):
    """`/etc/dgx-release` as a dict (DGX OS only); e.g. DGX_NAME="DGX Spark"."""

    default = dict
    command = "cat /etc/dgx-release 2>/dev/null || true"

    def process(self, output):
        values = {}
        for line in output:
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip().strip('"')
        return values


def is_spark(release: dict) -> bool:
    return release.get("DGX_NAME") == "DGX Spark"


def os_codename(distribution: dict) -> str:
    """The apt suite of a host from pyinfra's LinuxDistribution fact: Ubuntu's codename (noble on DGX OS 7),
    else the Debian one."""
    meta = distribution["release_meta"]
    return meta.get("UBUNTU_CODENAME") or meta.get("VERSION_CODENAME", "")


class DockerDaemonConfig(FactBase):
    """`/etc/docker/daemon.json` parsed (empty dict when missing or empty)."""

    default = dict
    command = "cat /etc/docker/daemon.json 2>/dev/null || true"

    def process(self, output):
        text = "\n".join(output).strip()
        return json.loads(text) if text else {}


class ListeningTcpPorts(FactBase):
    """TCP ports something listens on (from `ss -ltnH`)."""

    default = set
    command = "ss -ltnH"

    def requires_command(self) -> str:
        return "ss"

    def process(self, output):
        return {int(line.split()[3].rsplit(":", 1)[1]) for line in output if len(line.split()) > 3}


class DockerLogins(FactBase):
    """Registries a Docker client config (`~/.docker/config.json`) holds credentials for."""

    default = list

    def command(self, path: str) -> str:
        return f"cat {quote(path)} 2>/dev/null || echo '{{}}'"

    def process(self, output):
        try:
            return sorted(json.loads("\n".join(output) or "{}").get("auths", {}))
        except json.JSONDecodeError:
            return []


class TailscaleBackendState(FactBase):
    """`BackendState` from `tailscale status --json` ("Running" once logged in and up)."""

    def requires_command(self) -> str:
        return "tailscale"

    command = "tailscale status --json 2>/dev/null || true"

    def process(self, output):
        try:
            return json.loads("\n".join(output)).get("BackendState")
        except json.JSONDecodeError:
            return None


class FileText(FactBase):
    """A file's text ("" when missing)."""

    default = str

    def command(self, path: str) -> str:
        return f"cat {quote(path)} 2>/dev/null || true"

    def process(self, output):
        return "\n".join(output)


class NetworkLinks(FactBase):
    """Interface name -> "Up"/"Down". On a Spark from `ibdev2netdev` (the CX-7 ports, as NVIDIA's
    playbooks check them), elsewhere from `ip -o link` (carrier = Up)."""

    default = dict
    command = "if command -v ibdev2netdev >/dev/null; then ibdev2netdev; else ip -o link show; fi"

    def process(self, output):
        links = {}
        for line in output:
            if m := re.match(r"\S+ port \d+ ==> (\S+) \((\w+)\)", line):
                links[m.group(1)] = m.group(2)
            elif m := re.match(r"\d+: ([^:@]+)(?:@\S+)?: <([^>]*)>", line):
                links[m.group(1)] = "Up" if "LOWER_UP" in m.group(2).split(",") else "Down"
        return links


class KnownHostKeys(FactBase):
    """Each name or address listed unhashed in a known_hosts file, and the keys (``type base64``) listed for it."""

    default = dict

    def command(self, path: str) -> str:
        return f"cut -d' ' -f1-3 {quote(path)} 2>/dev/null || true"

    def process(self, output):
        keys: dict[str, set[str]] = {}
        for line in output:
            parts = line.split()
            if len(parts) == 3 and not parts[0].startswith(("#", "|", "@")):
                for name in parts[0].split(","):
                    keys.setdefault(name, set()).add(f"{parts[1]} {parts[2]}")
        return keys


class ScannedHostKeys(FactBase):
    """The ed25519 host key each address answers with now (``ssh-keyscan`` from this host): a re-imaged peer has
    a new one. An address that does not answer is absent."""

    default = dict

    def command(self, addresses: tuple[str, ...]) -> str:
        scans = [f"ssh-keyscan -T 5 -t ed25519 {quote(a)} 2>/dev/null" for a in addresses]
        return "; ".join([*scans, "true"])

    def process(self, output):
        found = (line.split() for line in output if line.strip() and not line.startswith("#"))
        return {parts[0]: f"{parts[1]} {parts[2]}" for parts in found if len(parts) >= 3}


class VenvPackages(FactBase):
    """`name==version` pins installed in a venv, names normalized, local labels like +cpu kept (pyinfra's
    PipPackages drops them). Read from the `.dist-info` directories: `pip freeze` would start a Python
    and import pip on every run, the slowest fact of a rerun that changes nothing."""

    default = set

    def command(self, venv: str) -> str:
        return f"cd {quote(venv)} 2>/dev/null && ls -d lib/python3*/site-packages/*.dist-info 2>/dev/null || true"

    def process(self, output):
        stems = (line.strip().rsplit("/", 1)[-1].removesuffix(".dist-info") for line in output)
        return {normalize_pin("==".join(stem.rsplit("-", 1))) for stem in stems if "-" in stem}


def normalize_pin(pin: str) -> str:
    name, _, version = pin.strip().partition("==")
    return f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}"


class OllamaModels(FactBase):
    """Models a running Ollama lists at /api/tags (empty when it does not answer), as `name:tag`."""

    default = set

    def command(self, port: int) -> str:
        return f"curl -fsS --max-time 10 {quote(f'http://127.0.0.1:{port}/api/tags')} 2>/dev/null || true"

    def process(self, output):
        text = "\n".join(output).strip()
        try:
            models = json.loads(text).get("models", []) if text else []
        except ValueError:
            return set()
        return {ollama_model_name(m.get("name", "")) for m in models if m.get("name")}


def ollama_model_name(name: str) -> str:
    """Ollama's canonical name: a model without a tag is `:latest`."""
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


class UserGroups(FactBase):
    """The groups a user belongs to (`id -nG`; empty when there is no such user). One short command,
    where pyinfra's Users fact lists every account with its groups, home and shell."""

    default = set

    def command(self, user: str) -> str:
        return f"id -nG {quote(user)} 2>/dev/null || true"

    def process(self, output):
        return set(" ".join(output).split())


class ManagedUnits(FactBase):
    """Names (without `.service`) of the unit files in ``directory`` that carry ``mark``: the units
    spark-lab wrote, so the roles can remove those the inventory no longer asks for."""

    default = list

    def command(self, directory: str, mark: str) -> str:
        return f"grep -lF -- {quote(mark)} {quote(directory)}/*.service 2>/dev/null || true"

    def process(self, output):
        return sorted(line.rsplit("/", 1)[-1].removesuffix(".service") for line in output if line.strip())


class GitHead(FactBase):
    """The commit checked out in a git work tree ("" when there is none). Asked as root of a tree the lab user
    owns, so git's ownership check (safe.directory) is waived for this one read."""

    default = str

    def command(self, path: str) -> str:
        return f"git -c safe.directory='*' -C {quote(path)} rev-parse --verify -q HEAD 2>/dev/null || true"

    def process(self, output):
        return "\n".join(output).strip()


class GitRevision(FactBase):
    """The commit a revision (a tag, a branch) names in a local clone ("" when there is none)."""

    default = str

    def command(self, path: str, rev: str) -> str:
        return (f"git -c safe.directory='*' -C {quote(path)} rev-parse --verify -q {quote(rev + '^{commit}')} "
                "2>/dev/null || true")

    def process(self, output):
        return "\n".join(output).strip()


class HfCached(FactBase):
    """Whether a Hub repo has a snapshot in a Hugging Face cache (``kind``: model or dataset)."""

    default = bool

    def command(self, cache: str, repo: str, kind: str = "model") -> str:
        folder = f"{cache}/hub/{kind}s--{repo.replace('/', '--')}/snapshots"
        return f"ls -A {quote(folder)} 2>/dev/null | head -1"

    def process(self, output):
        return any(line.strip() for line in output)
