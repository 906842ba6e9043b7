"""The level-4 environments as a student uses them: a command `spark-lab-NAME CMD…` on the host that runs CMD
in the environment's container (GPU, the playbooks' flags, the lab user's Hugging Face cache and the current
directory mounted), and the playbook's scripts copied into the lab user's home from the pinned checkout."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from shlex import quote

from pyinfra.api import QuoteString, StringCommand
from pyinfra.operations import files

from sparklab.builds import when_changed
from sparklab.owned_units import MANAGED_MARK
from sparklab.templates import block_syntax

BIN_DIR = "/usr/local/bin"


def command_name(name: str) -> str:
    return f"spark-lab-{name}"


def env_command(name: str, *, title: str, image: str, docker_args: Sequence[str], env: Mapping[str, str],
                mounts: Sequence[str] = (), host_dirs: Sequence[str] = (), extra_note: str = ""):
    """Install `spark-lab-NAME`; the operation. ``mounts`` and ``host_dirs`` may use $HOME (the caller's)."""
    return files.template(
        name=f"{command_name(name)} command", src="templates/finetune/env-wrapper.sh.j2",
        dest=f"{BIN_DIR}/{command_name(name)}", mode="755", mark=MANAGED_MARK, command=command_name(name),
        title=title, image=image, docker_args=[quote(a) for a in docker_args],
        env=sorted((k, quote(v)) for k, v in env.items()), mounts=list(mounts), host_dirs=list(host_dirs),
        extra_note=extra_note, jinja_env_kwargs=block_syntax())


def scripts_copied(name: str, source: str, dest: str, user: str, pins: str) -> None:
    """The playbook's ``source`` directory copied to ``dest`` (the lab user's), again only when ``pins`` change;
    files the student added are kept, the playbook's own are reset."""
    when_changed(f"{name} scripts in {dest}", f"{dest}/.spark-lab-copied", pins, [
        StringCommand("install -d -o", QuoteString(user), "-g", QuoteString(user), QuoteString(dest)),
        StringCommand("cp -rT", QuoteString(source), QuoteString(dest)),
        StringCommand("chown -R", QuoteString(f"{user}:{user}"), QuoteString(dest)),
    ])
