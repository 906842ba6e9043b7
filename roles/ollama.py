"""Ollama, native: the release tarball for the host's architecture, pinned by version and sha256,
installed the way ollama.com/install.sh does (an `ollama` system user and `ollama.service`), plus
the playbooks' drop-in (`OLLAMA_HOST`, `OLLAMA_ORIGINS`) and the models listed in data.

Each version is extracted into its own directory and /usr/local/bin/ollama points at it, so a new
version is a new link (and one restart); the same version is never downloaded or extracted twice.
"""

from pyinfra import host, logger
from pyinfra.api import deploy
from pyinfra.facts.deb import DebArch
from pyinfra.facts.server import Groups
from pyinfra.operations import files, server

from roles import knob
from roles.users import home
from sparklab.engine_instances import ollama_port, ollama_url
from sparklab.facts import static_fact
from sparklab.operations import ollama_models_pulled, tarball_extracted, user_in_groups
from sparklab.owned_units import stale_units, units_absent
from sparklab.systemd import service_state

DEFAULTS = {
    "ollama_enabled": True,
    # `ollama launch` (curriculum: CLI coding agent) needs 0.15 or newer.
    "ollama_version": "0.15.2",
    # Release tarball; {version} and {arch} (amd64 / arm64) are filled in. A mirror keeps the layout.
    "ollama_url": "https://github.com/ollama/ollama/releases/download/v{version}/ollama-linux-{arch}.tgz",
    # sha256 of the tarball per architecture, from the release's sha256sum.txt: {"arm64": "…"}.
    # Without one for the host's architecture Ollama is skipped (never installed unverified).
    "ollama_sha256": {},
    "ollama_dir": "/opt/ollama",
    # The Vibe Coding playbook's drop-in: listen on every address, any origin (VS Code, Open WebUI).
    "ollama_host": "0.0.0.0:11434",
    "ollama_origins": "*",
    "ollama_models_dir": "/usr/share/ollama/.ollama/models",
    # Models pulled when Ollama does not list them yet, e.g. ["qwen2.5:32b", "gpt-oss:20b"].
    "ollama_models": [],
    # Continue.dev config (~/.continue/config.yaml) for the lab user, pointed at this Ollama
    # with the first model of ollama_models (curriculum 1.5, AI coding assistant).
    "ollama_continue": False,
    # None: this host's Ollama, at the port of ollama_host.
    "ollama_continue_api_base": None,
}

UNIT = "ollama"


def _install(data, arch: str, sha256: str):
    """Download, extract and link the pinned release; returns the link operation."""
    version_dir = f"{data.ollama_dir}/{data.ollama_version}"
    tarball = f"{data.ollama_dir}/ollama-linux-{arch}-v{data.ollama_version}.tgz"
    files.directory(name="Ollama directory", path=data.ollama_dir, mode="755")
    files.download(name=f"Ollama {data.ollama_version} {arch} tarball",
                   src=data.ollama_url.format(version=data.ollama_version, arch=arch),
                   dest=tarball, sha256sum=sha256, mode="644")
    tarball_extracted(name=f"Ollama {data.ollama_version} extracted", src=tarball, dest=version_dir,
                      creates=f"{version_dir}/bin/ollama")
    return files.link(name="/usr/local/bin/ollama", path="/usr/local/bin/ollama", target=f"{version_dir}/bin/ollama")


@deploy("Ollama", data_defaults=DEFAULTS)
def ollama():
    data = host.data
    if not data.ollama_enabled:
        # Absent means absent: the service goes; the binary and the models stay for a later `True`.
        units_absent(stale_units(UNIT, []))
        return
    arch = static_fact(DebArch)
    sha256 = data.ollama_sha256.get(arch)
    if not sha256:
        logger.warning(f"[{host.name}] Ollama: skipped (no ollama_sha256 for {arch}; "
                       "take it from the release's sha256sum.txt)")
        return
    # As install.sh: a system user with its home for models, in render/video for the GPU.
    server.group(name="ollama group", group="ollama", system=True)
    gpu_groups = [g for g in ("render", "video") if g in host.get_fact(Groups)]
    server.user(name="ollama user", user="ollama", group="ollama", groups=gpu_groups, system=True,
                home="/usr/share/ollama", shell="/bin/false", create_home=True)
    user_in_groups(name=f"{data.lab_user} in the ollama group", user=data.lab_user, groups=["ollama"])
    files.directory(name="Ollama models directory", path=data.ollama_models_dir, user="ollama", group="ollama",
                    mode="755")
    binary = _install(data, arch, sha256)
    unit = files.template(name="ollama.service", src="templates/ollama/ollama.service.j2",
                          dest="/etc/systemd/system/ollama.service", mode="644")
    dropin = files.template(name="ollama.service drop-in", src="templates/ollama/override.conf.j2",
                            dest="/etc/systemd/system/ollama.service.d/override.conf", mode="644",
                            create_remote_dir=True, ollama_host=data.ollama_host, origins=data.ollama_origins,
                            models_dir=data.ollama_models_dir)
    service_state(UNIT, name="Ollama running", running=True, enabled=True, reload_when=[unit, dropin],
                  restart_when=[binary, unit, dropin])
    ollama_models_pulled(name="Ollama models", models=data.ollama_models, port=ollama_port(knob))
    if data.ollama_continue and data.ollama_models:
        user = data.lab_user
        files.directory(name="Continue.dev directory", path=f"{home()}/.continue", user=user, group=user)
        files.template(name="Continue.dev config", src="templates/ollama/continue-config.yaml.j2",
                       dest=f"{home()}/.continue/config.yaml", mode="644", user=user, group=user,
                       model=data.ollama_models[0], api_base=data.ollama_continue_api_base or ollama_url(knob))
