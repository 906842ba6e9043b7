"""Secrets on the hosts: read from the operator's environment or files (inventory `secrets`),
written only into 0600 files, never into a command line, an operation name or pyinfra's output."""

from __future__ import annotations

from pyinfra import host, logger
from pyinfra.operations import files

from sparklab.inventory import SecretRef
from sparklab.operations import secret_file

# Where secrets land on a host (root only).
SECRETS_DIR = "/etc/spark-lab/secrets"


def reference(name: str) -> SecretRef | None:
    ref = (host.data.get("secrets") or {}).get(name)
    return SecretRef(**ref) if ref else None


def read(name: str, component: str) -> str | None:
    """The secret's value, or None after telling the operator which component is skipped and why."""
    ref = reference(name)
    value = ref.read() if ref else None
    if value is None:
        where = f"{ref.describe()} is empty or missing" if ref else f"no secrets.{name} in the inventory"
        logger.warning(f"[{host.name}] {component}: skipped ({where})")
    return value


def put(name: str, value: str, dest: str | None = None, user: str = "root", group: str | None = None):
    """Write ``value`` into a 0600 file; returns the operation (its change means the secret changed)."""
    if dest is None:
        files.directory(name="Secrets directory", path=SECRETS_DIR, mode="700", user="root", group="root")
        dest = f"{SECRETS_DIR}/{name}"
    return secret_file(name=f"Secret {name} in {dest} (0600)", dest=dest, value=value, user=user, group=group)
