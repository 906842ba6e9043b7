"""Operations pyinfra lacks or gets wrong for us; each is a no-op when the host already matches."""

import json
from io import StringIO

from pyinfra import host
from pyinfra.api import QuoteString, StringCommand, operation
from pyinfra.facts.server import Locales
from pyinfra.operations import files

from sparklab.facts import DockerDaemonConfig


@operation()
def locale_generated(locale: str):
    """Generate ``locale`` if it is missing. Unlike server.locale this does not need
    /etc/locale.gen to exist when the deploy is planned (the locales package may come in the same run)."""
    if locale in host.get_fact(Locales):
        host.noop(f"locale {locale} is generated")
        return
    charset = locale.split(".", 1)[1] if "." in locale else "ISO-8859-1"
    entry = f"{locale} {charset}"
    yield StringCommand(
        "grep -qx", QuoteString(entry), "/etc/locale.gen", "||",
        "echo", QuoteString(entry), ">> /etc/locale.gen",
    )
    yield "locale-gen"


@operation()
def docker_daemon_options(options: dict, path: str = "/etc/docker/daemon.json"):
    """Merge ``options`` into daemon.json, keeping keys others wrote (DGX OS, nvidia-ctk)."""
    current = host.get_fact(DockerDaemonConfig)
    merged = {**current, **options}
    if merged == current:
        host.noop("daemon.json already has our options")
        return
    text = json.dumps(merged, indent=4, sort_keys=True) + "\n"
    yield from files.put._inner(src=StringIO(text), dest=path, mode="644", create_remote_dir=True)


@operation()
def nvidia_runtime_configured(set_default: bool = False):
    """`nvidia-ctk runtime configure --runtime=docker`, only when daemon.json lacks the runtime."""
    config = host.get_fact(DockerDaemonConfig)
    path = config.get("runtimes", {}).get("nvidia", {}).get("path", "")
    if path.endswith("nvidia-container-runtime") and (not set_default or config.get("default-runtime") == "nvidia"):
        host.noop("nvidia runtime is in daemon.json")
        return
    yield "nvidia-ctk runtime configure --runtime=docker" + (" --set-as-default" if set_default else "")
