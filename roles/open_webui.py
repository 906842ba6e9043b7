"""Open WebUI, the playbooks' container, pointed at the local Ollama. Like the engines, a systemd
unit owns the container (sparklab.owned_units), so a changed image or setting recreates it and
nothing else; switched off in data, its unit is removed (the `open-webui` volume, the users' chats,
is kept)."""

from pyinfra import host
from pyinfra.api import deploy

from roles import knob
from sparklab.engine_instances import ollama_url
from sparklab.operations import image_pulled
from sparklab.owned_units import docker_run, stale_units, unit_owning, units_absent

DEFAULTS = {
    "open_webui_enabled": True,
    # The image of NVIDIA's "Open WebUI for TensorRT-LLM" recipe (the ":ollama" variant bundles an
    # Ollama of its own; this lab runs Ollama natively).
    "open_webui_image": "ghcr.io/open-webui/open-webui:main",
    # Host network (as in that recipe), so the UI reaches Ollama and the engines on localhost.
    "open_webui_port": 8080,
    "open_webui_volume": "open-webui",
    # None: the local Ollama, at the port of ollama_host.
    "open_webui_ollama_url": None,
}
UNIT = "open-webui"


@deploy("Open WebUI", data_defaults=DEFAULTS)
def open_webui():
    data = host.data
    if not data.open_webui_enabled:
        units_absent(stale_units(UNIT, []))
        return
    image_pulled(name=f"Open WebUI image {data.open_webui_image}", image=data.open_webui_image)
    ollama = data.open_webui_ollama_url or ollama_url(knob)
    options = ["--network", "host", "-v", f"{data.open_webui_volume}:/app/backend/data",
               "-e", f"PORT={data.open_webui_port}", "-e", f"OLLAMA_BASE_URL={ollama}"]
    unit_owning(UNIT, description=f"Open WebUI on port {data.open_webui_port} (spark-lab)",
                exec_start=docker_run(UNIT, data.open_webui_image, options), boot=True)
