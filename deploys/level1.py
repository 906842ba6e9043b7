"""Level 1 — fundamentals: access, Docker + NVIDIA container toolkit + NGC, Tailscale, JupyterLab, dashboard."""

from roles.base import base
from roles.dashboard import dashboard
from roles.docker import docker
from roles.jupyterlab import jupyterlab
from roles.ngc import ngc
from roles.nvidia_container_toolkit import nvidia_container_toolkit
from roles.ssh import ssh
from roles.tailscale import tailscale
from roles.users import users

base()
users()
ssh()
docker()
nvidia_container_toolkit()
ngc()
tailscale()
jupyterlab()
dashboard()
