"""JupyterLab as a systemd service of the lab user, pinned in a venv under /opt.

Its port must not collide with the DGX Dashboard (`dashboard_port`) or the per-user JupyterLab ports the
Dashboard assigns (listed on the Spark in jupyterlab_ports.yaml): a collision fails the host.
The token stays in a 0600 file the server reads at start; restarts happen only on change.
"""

import re

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.api.exceptions import DeployError
from pyinfra.operations import files, pip

from roles import knob
from roles.users import home
from sparklab import host_secrets
from sparklab.facts import FileText
from sparklab.operations import pip_pinned
from sparklab.systemd import service_state

DASHBOARD_PORTS_FILE = "/opt/nvidia/dgx-dashboard-service/jupyterlab_ports.yaml"

DEFAULTS = {
    "jupyterlab_version": "4.5.5",
    "jupyterlab_venv": "/opt/jupyterlab/venv",
    "jupyterlab_config_dir": "/opt/jupyterlab/etc",
    # Loopback by default: reach it through an SSH tunnel, VS Code or Tailscale serve.
    "jupyterlab_ip": "127.0.0.1",
    "jupyterlab_port": 18888,
    # Notebook root; default: the lab user's home.
    "jupyterlab_root_dir": None,
}


def check_port(port: int) -> None:
    taken = {int(p) for p in re.findall(r"\b(\d{2,5})\b", host.get_fact(FileText, path=DASHBOARD_PORTS_FILE))}
    if port == knob("dashboard_port") or port in taken:
        raise DeployError(f"{host.name}: jupyterlab_port {port} is used by the DGX Dashboard; choose another")


@deploy("JupyterLab", data_defaults=DEFAULTS)
def jupyterlab():
    data = host.data
    token = host_secrets.read("jupyterlab_token", "JupyterLab")
    if token is None:
        return
    check_port(data.jupyterlab_port)
    user, venv, etc = data.lab_user, data.jupyterlab_venv, data.jupyterlab_config_dir
    pip.venv(name="JupyterLab venv", path=venv, python="python3")
    pip_pinned(name=f"jupyterlab=={data.jupyterlab_version}", venv=venv,
               packages=[f"jupyterlab=={data.jupyterlab_version}"], extra_args=knob("base_pip_args"))
    files.directory(name="Config directory", path=etc, mode="755")
    token_op = host_secrets.put("jupyterlab_token", token, dest=f"{etc}/token", user=user)
    config = files.template(
        name="Server config", src="templates/jupyterlab/jupyter_server_config.py.j2",
        dest=f"{etc}/jupyter_server_config.py", mode="644",
        ip=data.jupyterlab_ip, port=data.jupyterlab_port, root_dir=data.jupyterlab_root_dir or home(),
        token_file=f"{etc}/token",
    )
    unit = files.template(
        name="systemd unit", src="templates/jupyterlab/jupyterlab.service.j2",
        dest="/etc/systemd/system/jupyterlab.service", mode="644",
        service_user=user, venv=venv, config=f"{etc}/jupyter_server_config.py", home=home(),
    )
    service_state("jupyterlab", name="jupyterlab running", running=True, enabled=True, reload_when=[unit],
                  restart_when=[unit, config, token_op])
