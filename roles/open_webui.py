"""Open WebUI, the playbooks' container, pointed at the local Ollama. Like the engines, a systemd
unit owns the container, so a changed image or setting recreates it and nothing else."""

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.operations import files, systemd

from roles.inference_engines import DOCKER
from sparklab.operations import image_pulled
from sparklab.systemd import exec_line
from sparklab.templates import block_syntax

DEFAULTS = {
    "open_webui_enabled": True,
    # The image of NVIDIA's "Open WebUI for TensorRT-LLM" recipe (the ":ollama" variant bundles an
    # Ollama of its own; this lab runs Ollama natively).
    "open_webui_image": "ghcr.io/open-webui/open-webui:main",
    # Host network (as in that recipe), so the UI reaches Ollama and the engines on localhost.
    "open_webui_port": 8080,
    "open_webui_volume": "open-webui",
    "open_webui_ollama_url": "http://127.0.0.1:11434",
}
NAME = "open-webui"


@deploy("Open WebUI", data_defaults=DEFAULTS)
def open_webui():
    data = host.data
    if not data.open_webui_enabled:
        return
    image_pulled(name=f"Open WebUI image {data.open_webui_image}", image=data.open_webui_image)
    argv = [DOCKER, "run", "--rm", "--pull", "never", "--name", NAME, "--network", "host",
            "-v", f"{data.open_webui_volume}:/app/backend/data",
            "-e", f"PORT={data.open_webui_port}", "-e", f"OLLAMA_BASE_URL={data.open_webui_ollama_url}",
            data.open_webui_image]
    unit = files.template(
        name=f"{NAME} unit", src="templates/engines/engine.service.j2", dest=f"/etc/systemd/system/{NAME}.service",
        mode="644", description=f"Open WebUI on port {data.open_webui_port} (spark-lab)", container=NAME,
        docker=DOCKER, exec_start=exec_line(argv), conflicts="", jinja_env_kwargs=block_syntax(),
    )
    systemd.service(name="Open WebUI running", service=NAME, running=True, enabled=True,
                    daemon_reload=unit.will_change, restarted=unit.will_change)
