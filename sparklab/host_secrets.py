"""Secrets on the hosts: read from the operator's environment or files (inventory `secrets`),
written only into 0600 files, never into a command line, an operation name or pyinfra's output."""

from __future__ import annotations

from pyinfra import host, logger

from sparklab.operations import secret_file
from sparklab.peers import current_host

# Where secrets land on a host (root only).
SECRETS_DIR = "/etc/spark-lab/secrets"


def missing(name: str) -> str | None:
    """Why the secret ``name`` cannot be read for the host being deployed, or None when it can."""
    return current_host().missing_secret(name)


def read(name: str, component: str) -> str | None:
    """The secret's value, or None after telling the operator which component is skipped and why."""
    why = missing(name)
    if why is not None:
        skipped(component, why)
        return None
    return current_host().secret(name).read()


def optional(name: str) -> str | None:
    """The secret's value when the inventory has it, else None, silently: for what works without it."""
    return current_host().secret(name).read() if missing(name) is None else None


def skipped(component: str, why: str) -> None:
    """Tell the operator, visibly, that a component is skipped on this host and why."""
    logger.warning(f"[{host.name}] {component}: skipped ({why})")


def put(name: str, value: str, dest: str | None = None, user: str = "root", group: str | None = None):
    """Write ``value`` into a 0600 file; returns the operation (its change means the secret changed)."""
    dest = dest or f"{SECRETS_DIR}/{name}"
    return secret_file(name=f"Secret {name} in {dest} (0600)", dest=dest, value=value, user=user, group=group)
