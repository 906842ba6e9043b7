"""Lab 5E, optimized JAX (levels-3-5.md §5E): the playbook's image `jax-on-spark`, built from its Dockerfile in the
pinned playbooks checkout, and its marimo notebooks as the unit `lab-jax` (on demand unless `jax_boot`).

Better than the playbook:
- **Pinned bases.** The Dockerfile builds `FROM nvidia/cuda:13.0.1-runtime-ubuntu24.04` (a Docker Hub tag, which
  NVIDIA re-pushes) with `COPY --from=ghcr.io/astral-sh/uv:latest`, and uv picks the Python 3.12 it downloads. The
  checkout stays as NVIDIA wrote it: the deploy pulls both by digest (`jax_base_*`, `jax_uv_*`; uv 0.9.2, the
  `latest` of the day the Dockerfile last changed) and tags them under the names the Dockerfile uses, which
  `docker build` (BuildKit or not, without `--pull`) then finds locally. This works with the classic builder too,
  unlike `--build-context NAME=docker-image://…`, which needs BuildKit. The image's tag is a digest of the playbooks
  commit and those references, so it is built once per pin and never rebuilt otherwise.
- **A token.** The playbook starts marimo with `--no-token` on 0.0.0.0:8080, Open WebUI's port. Here marimo asks for
  the class token (`secrets.jupyterlab_token`), which reaches it from a 0600 file mounted read-only and read by
  templates/jax/marimo_token.py in-process (marimo 0.16.5 takes it only on its command line, which `ps` shows), on
  `jax_port` (marimo's own 2718) published on `stacks_bind_address` (loopback: `ssh -L`). `/health` answers without
  the token (the unit's health route); `/` redirects to marimo's login page (303) and the API says 401.
- The unit runs the venv the Dockerfile made (`/app/.venv/bin/python`): what `uv run` runs, without a lock and sync
  on every start. Without the token the lab is skipped with a warning; its notebooks are the image's (edits live
  in the container, as with the playbook's `--rm`).
"""

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.operations import files

from roles import knob
from roles.playbooks_source import lab_dir
from sparklab import host_secrets, jax_image, track_labs
from sparklab.derived_images import image_built
from sparklab.operations import image_pulled, image_tagged
from sparklab.owned_units import docker_run, stale_units, unit_owning, units_absent
from sparklab.rag_labs import unit

DEFAULTS = {
    "jax_boot": False,
    # marimo's own default port: the playbook's 8080 is Open WebUI's.
    "jax_port": 2718,
    # The playbook's `docker run` flags (the simulated lab drops --gpus and memlock).
    "jax_docker_args": ["--gpus", "all", "--shm-size=1g", "--ulimit", "memlock=-1", "--ulimit", "stack=67108864"],
    # The Dockerfile's base, pinned by digest (None: the tag as it is today). The digests are the multi-arch
    # indexes public Dockerfiles pin these tags by (Docker pulls the arm64 image from them on a Spark).
    "jax_base_image": "nvidia/cuda:13.0.1-runtime-ubuntu24.04",
    "jax_base_digest": "sha256:c3fde347d52d578c84fd644bc177bc7ec333feaf11550d990da4084d7612e4c7",
    # uv for the Dockerfile's `COPY --from=ghcr.io/astral-sh/uv:latest`: 0.9.2, `latest` on 2025-10-14, when the
    # Dockerfile last changed; it also fixes the Python 3.12 patch release `uv init --python 3.12` downloads.
    "jax_uv_image": "ghcr.io/astral-sh/uv:0.9.2",
    "jax_uv_digest": "sha256:6dbd7c42a9088083fa79e41431a579196a189bcee3ae68ba904ac2bf77765867",
    # The notebook marimo opens first (the playbook's table of contents).
    "jax_notebook": "00-toc.py",
}
# On the host: the token wrapper (root's, read-only in the container) and the token's 0600 file.
WRAPPER_DIR = "/etc/spark-lab/jax"
WRAPPER = "marimo_token.py"
# In the container.
TOKEN_IN_CONTAINER = "/run/spark-lab/marimo-token"
WRAPPER_IN_CONTAINER = f"/opt/spark-lab/{WRAPPER}"


def token_path(name: str) -> str:
    return f"{host_secrets.SECRETS_DIR}/{name}.token"


def marimo_command(port: int, notebook: str) -> list[str]:
    """marimo edit as the playbook's CMD runs it, on ``port`` inside the container, with the token from the file."""
    return [jax_image.PYTHON, WRAPPER_IN_CONTAINER, TOKEN_IN_CONTAINER, "edit", notebook, "--host", "0.0.0.0",
            "--port", str(port), "--headless", "--no-sandbox", "--skip-update-check"]


@deploy("JAX lab", data_defaults=DEFAULTS)
def jax_lab():
    data = host.data
    name = unit(track_labs.JAX)
    if not track_labs.chosen(knob, track_labs.JAX):  # its image is kept
        units_absent(stale_units(name, []), {name: [token_path(name), f"{WRAPPER_DIR}/"]})
        return
    why = host_secrets.missing("jupyterlab_token")
    if why is not None:
        host_secrets.skipped("JAX lab", f"its marimo notebooks ask for the class token, secrets.jupyterlab_token: "
                                        f"{why}")
        return
    token_op = host_secrets.put(name, host_secrets.read("jupyterlab_token", "JAX lab"), dest=token_path(name))
    for dockerfile_name, pinned in jax_image.sources(knob).items():
        image_pulled(name=f"JAX image base {pinned}", image=pinned)
        if pinned != dockerfile_name:
            image_tagged(name=f"{pinned} tagged {dockerfile_name}", source=pinned, tag=dockerfile_name)
    tag = jax_image.image_tag(knob)
    image_built(name=f"JAX image {tag}", tag=tag, context=lab_dir("jax"), buildkit=knob("docker_buildkit"))
    files.directory(name="marimo token wrapper directory", path=WRAPPER_DIR, mode="755")
    wrapper_op = files.put(name="marimo token wrapper", src=f"templates/jax/{WRAPPER}", dest=f"{WRAPPER_DIR}/{WRAPPER}",
                           mode="644")
    port = data.jax_port
    options = [*data.jax_docker_args, "-p", f"{knob('stacks_bind_address')}:{port}:{port}",
               "-v", f"{token_path(name)}:{TOKEN_IN_CONTAINER}:ro",
               "-v", f"{WRAPPER_DIR}/{WRAPPER}:{WRAPPER_IN_CONTAINER}:ro"]
    unit_owning(name, description=f"JAX marimo notebooks on port {port} (spark-lab)", kind="container",
                boot=data.jax_boot, exec_start=docker_run(name, tag, options, marimo_command(port, data.jax_notebook)),
                restart_when=[token_op, wrapper_op])
