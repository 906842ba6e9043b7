"""The lab inventory model: what an inventory file may say, checked before pyinfra connects.

Inventory files (``inventories/*.py``) stay plain pyinfra data. ``group_data/all.py`` runs
:func:`validate_inventory` while pyinfra loads them, so a bad inventory stops pyinfra before
"Connecting to hosts" with a message naming the host and the field.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sparklab import clusters as cluster_rules
from sparklab import knobs as role_knobs
from sparklab.interconnect import TOPOLOGIES
from sparklab.workload_plan import workloads_of

# Interface names as the kernel allows them (IFNAMSIZ - 1 characters).
IFNAME_PATTERN = r"^[A-Za-z0-9_.:-]{1,15}$"
USERNAME_PATTERN = r"^[a-z_][a-z0-9_-]{0,31}$"
CLUSTER_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"

# Secrets the roles know how to use; values are references, never the secret itself.
SECRET_NAMES = ("ngc_api_key", "tailscale_auth_key", "hf_token", "jupyterlab_token", "nvidia_api_key", "tavily_api_key")

# pyinfra's own per-host data (connector settings) that an inventory may carry.
PYINFRA_KEYS = frozenset(
    {
        "ssh_hostname", "ssh_port", "ssh_user", "ssh_key", "ssh_key_password", "ssh_allow_agent",
        "ssh_look_for_keys", "ssh_forward_agent", "ssh_config_file", "ssh_known_hosts_file",
        "ssh_strict_host_key_checking", "ssh_paramiko_connect_kwargs", "ssh_connect_retries",
        "ssh_connect_retry_min_delay", "ssh_connect_retry_max_delay", "ssh_file_transfer_protocol",
        "fake_responses", "fake_delay", "fake_delay_jitter",
    }
)


class InventoryError(ValueError):
    """A broken inventory; the message names the host and the field."""


class SecretRef(BaseModel):
    """Where a secret lives: an environment variable or a file. Exactly one of the two."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    file: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of 'env' or 'file'")
        return self

    def describe(self) -> str:
        return f"${self.env}" if self.env else f"file {self.file}"

    def read(self) -> str | None:
        """The secret's value on the operator's machine, or None when it is not there."""
        if self.env:
            value = os.environ.get(self.env, "")
        else:
            path = Path(self.file).expanduser()
            value = path.read_text() if path.is_file() else ""
        return value.strip() or None


class QsfpInterface(BaseModel):
    """One logical CX-7 interface (or its stand-in) and its planned address."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=IFNAME_PATTERN)
    address: ipaddress.IPv4Interface
    mtu: int | None = Field(default=None, ge=1280, le=9216)

    @field_validator("address", mode="before")
    @classmethod
    def _address_with_prefix(cls, value: Any) -> Any:
        return ipv4_interface(value)


def ipv4_interface(value: Any) -> ipaddress.IPv4Interface:
    """``address/prefix`` parsed, or a ValueError that names the value and what is wrong with it."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r}: expected a string such as 192.168.100.10/24")
    address, slash, prefix = value.partition("/")
    if not slash:
        raise ValueError(f"{value} needs a prefix length, e.g. {value}/24")
    if not prefix.isdigit() or not 0 <= int(prefix) <= 32:
        raise ValueError(f"{value}: prefix {prefix or '(empty)'} is out of range (0–32)")
    try:
        ipaddress.IPv4Address(address)
    except ValueError as error:
        raise ValueError(f"{value}: {address} is not an IPv4 address ({error})") from None
    return ipaddress.IPv4Interface(value)


class HostConfig(BaseModel):
    """Everything one host's merged inventory data may say.

    Role knobs (``docker_packages``, ``base_timezone``, …) are declared by each role's
    ``DEFAULTS``; any other key is a typo and is refused.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str
    lab_user: str = Field(pattern=USERNAME_PATTERN)
    mgmt_interface: str | None = Field(default=None, pattern=IFNAME_PATTERN)
    qsfp_interfaces: list[QsfpInterface] = []
    # The named cluster this host's QSFP cables join it to, and how (sparklab.clusters).
    cluster: str | None = Field(default=None, pattern=CLUSTER_PATTERN)
    cluster_topology: Literal[tuple(TOPOLOGIES)] | None = None
    secrets: dict[str, SecretRef] = {}
    # The roles' knob defaults this host was checked against (handed over by the validating caller).
    _knob_defaults: dict[str, Any] = PrivateAttr(default_factory=dict)

    @field_validator("secrets")
    @classmethod
    def _known_secrets(cls, value: dict[str, SecretRef]) -> dict[str, SecretRef]:
        unknown = sorted(set(value) - set(SECRET_NAMES))
        if unknown:
            raise ValueError(f"unknown secret {unknown[0]!r}; known: {', '.join(SECRET_NAMES)}")
        return value

    @model_validator(mode="after")
    def _known_keys(self, info: ValidationInfo) -> HostConfig:
        self._knob_defaults = dict((info.context or {})["knob_defaults"])
        for key, value in (self.model_extra or {}).items():
            if key.startswith("_") or key in PYINFRA_KEYS:
                continue
            problem = role_knobs.check(self._knob_defaults, key, value)
            if problem:
                raise ValueError(f"{key}: {problem}")
        return self

    @model_validator(mode="after")
    def _interfaces_apart(self) -> HostConfig:
        names = [i.name for i in self.qsfp_interfaces]
        for index, iface in enumerate(self.qsfp_interfaces):
            if names.count(iface.name) > 1:
                raise ValueError(f"qsfp_interfaces[{index}].name: {iface.name} is listed twice")
            if iface.name == self.mgmt_interface:
                raise ValueError(f"qsfp_interfaces[{index}].name: {iface.name} is the management interface")
        return self

    @model_validator(mode="after")
    def _workload_plan(self) -> HostConfig:
        workloads_of(self.setting)  # ValueError naming the workloads and the port, or the field
        return self

    @property
    def knobs(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    def setting(self, key: str) -> Any:
        """A role knob as the deploy sees it: this host's data, else the role's default."""
        return self.knobs[key] if key in self.knobs else self._knob_defaults[key]

    def secret(self, name: str) -> SecretRef | None:
        return self.secrets.get(name)

    def missing_secret(self, name: str) -> str | None:
        """Why the secret ``name`` cannot be read on the operator's machine, or None when it can."""
        ref = self.secrets.get(name)
        if ref is None:
            return f"no secrets.{name} in the inventory"
        return None if ref.read() is not None else f"{ref.describe()} is empty or missing"

    @property
    def ssh(self) -> dict[str, Any]:
        """pyinfra's ``ssh_*`` settings of this host (hostname defaults to the host name)."""
        settings = {k: v for k, v in self.knobs.items() if k.startswith("ssh_")}
        settings.setdefault("ssh_hostname", self.name)
        return settings


class Lab(BaseModel):
    """All hosts of one inventory, with the rules that span hosts (multi-node)."""

    model_config = ConfigDict(frozen=True)

    hosts: list[HostConfig]
    # pyinfra's name of a host -> its inventory name, where they differ (see use_lab).
    _pyinfra_names: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _cluster_rules(self) -> Lab:
        for cluster in self.clusters:
            cluster_rules.check(cluster)
        return self

    @cached_property
    def clusters(self) -> list[cluster_rules.Cluster]:
        """The QSFP clusters, in inventory order (a host without QSFP interfaces is in none)."""
        return cluster_rules.clusters_of(self.hosts)

    def cluster(self, name: str) -> cluster_rules.Cluster:
        for cluster in self.clusters:
            if cluster.name == name:
                return cluster
        raise KeyError(name)

    def cluster_of(self, host_name: str) -> cluster_rules.Cluster | None:
        """The cluster of host ``host_name``, or None for a standalone host."""
        return next((c for c in self.clusters if host_name in c.names), None)

    def host(self, name: str) -> HostConfig:
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError(name)

    def name_of(self, pyinfra_name: str) -> str:
        """The inventory name of the host pyinfra calls ``pyinfra_name``."""
        return self._pyinfra_names.get(pyinfra_name, pyinfra_name)


def _format_pydantic(host: str, error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        field = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in item["loc"]).replace(".[", "[")
        message = item["msg"].removeprefix("Value error, ")
        # Our own validators name the value in their message; pydantic's own ("Input should be …") do not.
        shown = repr(item.get("input"))
        if item["loc"] and item["type"] not in ("value_error", "missing") and len(shown) <= 80:
            message = f"{message} (got {shown})"
        lines.append(f"host {host}: {field + ': ' if field else ''}{message}")
    return "\n".join(lines)


def validate_hosts(hosts: Iterable[tuple[str, Mapping[str, Any]]], knob_defaults: Mapping[str, Any],
                   source: str = "inventory") -> Lab:
    """Validate (name, merged data) pairs against the roles' ``knob_defaults``; raise InventoryError
    naming host and field."""
    configs, problems = [], []
    context = {"knob_defaults": knob_defaults}
    for name, data in hosts:
        try:
            configs.append(HostConfig.model_validate({**data, "name": name}, context=context))
        except ValidationError as error:
            problems.append(_format_pydantic(name, error))
    if problems:
        raise InventoryError(f"{source} is invalid:\n" + "\n".join(problems))
    try:
        return Lab.model_validate({"hosts": configs}, context=context)
    except ValidationError as error:
        cause = error.errors()[0].get("ctx", {}).get("error")
        if isinstance(cause, cluster_rules.ClusterError):
            raise InventoryError(f"{source} is invalid:\n{cause}") from None
        raise InventoryError(f"{source} is invalid:\n{error}") from None


def _listed_twice(inventory) -> list[str]:
    """Hosts a group lists more than once: pyinfra keeps one of them silently (and merges their data)."""
    return [f"host {h.name}: listed {h.groups.count(g)} times in group {g}; every machine needs its own name"
            for h in inventory for g in dict.fromkeys(h.groups) if h.groups.count(g) > 1]


def validate_inventory(inventory, knob_defaults: Mapping[str, Any], source: str = "inventory") -> Lab:
    """Validate a pyinfra ``Inventory`` while pyinfra loads it, and keep the result for this run
    (:func:`current_lab`): the deploy's roles and tools read it instead of validating again."""
    global _current
    twice = _listed_twice(inventory)
    if twice:
        raise InventoryError(f"{source} is invalid:\n" + "\n".join(twice))
    _current = validate_hosts(((h.name, h.data.dict()) for h in inventory), knob_defaults, source)
    return _current


# The lab validated while the current inventory was loaded (one inventory per pyinfra run).
_current: Lab | None = None


def use_lab(lab: Lab, pyinfra_names: Mapping[str, str]) -> None:
    """Make ``lab`` the current one, its hosts known to pyinfra under other names (plan tests build
    an inventory of ``@fake/NAME`` hosts, without the CLI loader)."""
    global _current
    _current = lab
    lab._pyinfra_names.update(pyinfra_names)


def current_lab() -> Lab:
    if _current is None:
        raise InventoryError("no validated inventory: run pyinfra from the repository root, where "
                             "group_data/all.py validates the inventory while pyinfra loads it")
    return _current


def load_inventory(path: str | os.PathLike):
    """Load a pyinfra inventory file the way the pyinfra CLI does (group_data included, which
    validates it)."""
    from pyinfra.api import State
    from pyinfra.context import ctx_state
    from pyinfra_cli.inventory import make_inventory_from_files

    repo = Path(__file__).resolve().parent.parent
    with ctx_state.use(State()):  # the CLI's loader records the file it runs on the state
        return make_inventory_from_files(str(path), cwd=str(repo))


def load_lab(path: str | os.PathLike) -> Lab:
    """The validated lab of a pyinfra inventory file, for tools other than pyinfra."""
    from pyinfra.api.exceptions import InventoryError as PyinfraInventoryError

    global _current
    _current = None
    try:
        load_inventory(path)
    except PyinfraInventoryError as error:  # raised by the loading hook
        raise InventoryError(f"{path}: {error}") from None
    return current_lab()
