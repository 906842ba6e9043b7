"""Labs 5D-2 Portfolio Optimization (cuOpt, cuML) and 5D-3 single-cell RNA (rapids-singlecell): NVIDIA's RAPIDS
notebooks image with each playbook's setup, as the on-demand units `lab-portfolio` and `lab-single-cell`
(levels-3-5.md §5D-2, §5D-3).

Better than the playbooks, whose start_playbook.sh runs `docker run --pull always -it` with setup_playbook.sh,
which pipes astral.sh's uv installer into sh and installs every package again **at every start**:
- each lab is a **derived image built once**, at deploy time, from the pinned playbooks checkout's setup files: uv
  pinned from PyPI; Portfolio's `uv sync --extra cuda13 --locked` from its uv.lock (its dev group too: the lock's
  ipykernel 7.1.0, where the playbook adds `--no-dev` and an unpinned `uv pip install ipykernel`), its kernel
  "Portfolio Optimization" registered; single-cell's `mamba install compilers` (pinned) and
  `uv pip install --system -r requirements.txt` (all pinned). The image is rebuilt only when a pin changes (its tag
  is a digest of its Dockerfile and the checkout's commit); the unit only starts JupyterLab;
- JupyterLab asks for **the class token** (inventory secret `jupyterlab_token`), handed to the container in a 0600
  env file (`--env-file`, JUPYTER_TOKEN): never on a command line; the playbooks' `--NotebookApp.token=''
  --NotebookApp.allow_origin='*'` are gone. `/api` answers without it (the health route), `/api/status` asks for
  it. Without the secret both labs are skipped with a warning;
- the five ports are published on `rapids_notebooks_bind_address` (loopback by default, reached by `ssh -L`), not
  on every interface. Both labs publish the same five, so each unit conflicts with the other (starting one stops
  the other) and the workload plan refuses both at boot.
As in the playbooks the container is `--rm`: work saved under /home/rapids/notebooks lasts while it runs.

The image (rapidsai/docker's Dockerfile at v25.10.00, "notebooks" stage): JupyterLab 4 in conda's base environment
(/opt/conda, group-writable), user `rapids` (uid 1001), notebooks in /home/rapids/notebooks; the build runs as root
only for what writes the image's Python (uv, compilers, single-cell's `--system` install), the rest as `rapids`.

Absent means absent: a lab not chosen loses its unit and env file; the images stay (GBs).
"""

from __future__ import annotations

import hashlib
import shlex
from collections.abc import Sequence
from io import StringIO

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.api.exceptions import DeployError
from pyinfra.operations import files

from roles import knob
from roles.playbooks_source import lab_dir
from sparklab import host_secrets, track_labs
from sparklab.derived_images import IMAGES_DIR, image_built
from sparklab.operations import image_pulled
from sparklab.owned_units import docker_run, stale_units, unit_owning, units_absent
from sparklab.rag_labs import unit

DEFAULTS = {
    "portfolio_boot": False,
    "single_cell_boot": False,
    # Host port -> what the container publishes there (start_playbook.sh's five -p), the same for both labs.
    "rapids_notebooks_ports": {8888: "JupyterLab", 8787: "Dask dashboard", 8786: "Dask scheduler",
                               8501: "Streamlit", 8050: "Dash"},
    # Both playbooks' image (linux/arm64 on a Spark).
    "rapids_notebooks_image": "nvcr.io/nvidia/rapidsai/notebooks:25.10-cuda13-py3.13",
    # start_playbook.sh's docker flags (the simulated lab drops --gpus and memlock).
    "rapids_notebooks_docker_args": ["--gpus", "all", "--shm-size=1g", "--ulimit", "memlock=-1",
                                     "--ulimit", "stack=67108864"],
    # Where the five ports are published; None: stacks_bind_address (loopback by default).
    "rapids_notebooks_bind_address": None,
    # uv, from PyPI into the images (0.13.9: `uv lock --check` accepts Portfolio's uv.lock as it is).
    "rapids_notebooks_uv_version": "0.13.9",
    # pip's index options for that install; None: base_pip_args.
    "rapids_notebooks_pip_args": None,
    # uv's index options for `uv sync` and `uv pip install` (e.g. ["--default-index", URL] for a PyPI mirror).
    "rapids_notebooks_uv_args": [],
    # Portfolio's extras (setup_playbook.sh: `--extra cuda13`: cuml-cu13, cuopt-cu13 25.10 from pypi.nvidia.com).
    "portfolio_uv_extras": ["cuda13"],
    # single-cell's setup_playbook.sh runs `mamba install -c conda-forge compilers -y`; pinned to the compilers
    # feedstock's 1.9.0 (conda-forge, January 2025). [] leaves the step out.
    "single_cell_conda_packages": ["compilers=1.9.0"],
    "single_cell_conda_channels": ["conda-forge"],
}
# The image's user and notebook folder (rapidsai/docker, Dockerfile at v25.10.00: `useradd -g conda -u 1001 rapids`).
IMAGE_USER = "rapids"
# COPY's owner: the user and its primary group, named (the image has no group `rapids`, which docker's classic
# builder looks for when --chown names a user alone).
OWNER = f"{IMAGE_USER}:conda"
NOTEBOOKS = "/home/rapids/notebooks"
# What the container listens on for each of rapids_notebooks_ports' names (start_playbook.sh: -p N:N).
INSIDE = {"JupyterLab": 8888, "Dask dashboard": 8787, "Dask scheduler": 8786, "Streamlit": 8501, "Dash": 8050}
# Each lab's folder in the playbooks checkout and its notebook (copied into NOTEBOOKS by setup_playbook.sh).
LABS = {track_labs.PORTFOLIO: ("portfolio-optimization", "cvar_basic.ipynb"),
        track_labs.SINGLE_CELL: ("single-cell", "scRNA_analysis_preprocessing.ipynb")}


def _run(*parts: str) -> str:
    """A Dockerfile RUN line of the non-empty ``parts``."""
    return " ".join(["RUN", *(p for p in parts if p)])


def _words(args: Sequence[str]) -> str:
    return " ".join(shlex.quote(a) for a in args)


def _head(data) -> list[str]:
    """The base image and uv, pinned, in its Python (as root: the image's Python belongs to its conda group)."""
    pip_args = data.rapids_notebooks_pip_args
    pip_args = knob("base_pip_args") if pip_args is None else pip_args
    return [f"FROM {data.rapids_notebooks_image}", "USER root",
            _run("pip install --no-cache-dir", _words(pip_args), f"uv=={data.rapids_notebooks_uv_version}")]


def _playbook_files(notebook: str) -> list[str]:
    """setup_playbook.sh's copies into the notebook folder, from the checkout (the build context)."""
    return [f"COPY --chown={OWNER} assets {NOTEBOOKS}/assets",
            f"COPY --chown={OWNER} README.md {NOTEBOOKS}/START_HERE.md",
            f"COPY --chown={OWNER} {notebook} {NOTEBOOKS}/{notebook}"]


def portfolio_dockerfile(data) -> str:
    uv_args = _words(data.rapids_notebooks_uv_args)
    extras = " ".join(f"--extra {shlex.quote(e)}" for e in data.portfolio_uv_extras)
    setup = f"{NOTEBOOKS}/setup"
    lines = [*_head(data), f"USER {IMAGE_USER}",
             f"COPY --chown={OWNER} setup {setup}",
             f"WORKDIR {setup}",
             # the image's Python (conda's), as the playbook's `python -m venv .venv`; never a downloaded one
             _run("uv sync --no-cache --python python3 --no-python-downloads", extras, "--locked", uv_args),
             "RUN .venv/bin/python -m ipykernel install --user --name=portfolio-opt "
             '--display-name "Portfolio Optimization"',
             *_playbook_files(LABS[track_labs.PORTFOLIO][1]), f"WORKDIR /home/{IMAGE_USER}"]
    return "\n".join(lines) + "\n"


def single_cell_dockerfile(data) -> str:
    requirements = "/opt/spark-lab/single-cell-requirements.txt"
    lines = _head(data)
    if data.single_cell_conda_packages:
        channels = " ".join(f"-c {shlex.quote(c)}" for c in data.single_cell_conda_channels)
        lines.append(_run("mamba install -y", channels, _words(data.single_cell_conda_packages)))
    lines += [f"COPY setup/requirements.txt {requirements}",
              _run("uv pip install --system --no-cache", _words(data.rapids_notebooks_uv_args), "-r", requirements),
              f"USER {IMAGE_USER}", *_playbook_files(LABS[track_labs.SINGLE_CELL][1])]
    return "\n".join(lines) + "\n"


def image_tag(lab: str, dockerfile: str) -> str:
    """The lab's image: a digest of its Dockerfile and of the checkout it is built from."""
    digest = hashlib.sha256(f"{dockerfile}\n{knob('playbooks_commit')}".encode()).hexdigest()[:12]
    return f"spark-lab/rapids-{lab}:{digest}"


def _image(lab: str, dockerfile: str) -> str:
    """Build the lab's image from the playbooks checkout (if its tag is missing); its tag."""
    tag, directory = image_tag(lab, dockerfile), f"{IMAGES_DIR}/rapids-{lab}"
    files.directory(name=f"{lab} build directory", path=directory, mode="755")
    files.put(name=f"{lab} Dockerfile", src=StringIO(dockerfile), dest=f"{directory}/Dockerfile", mode="644")
    image_built(name=f"{lab} image {tag}", tag=tag, context=lab_dir(LABS[lab][0]),
                dockerfile=f"{directory}/Dockerfile", buildkit=knob("docker_buildkit"))
    return tag


def published(data) -> list[str]:
    """`-p` options: each host port of rapids_notebooks_ports on the bind address, to the playbook's port."""
    bind = data.rapids_notebooks_bind_address or knob("stacks_bind_address")
    options = []
    for port, what in track_labs.rapids_notebook_ports(knob).items():
        if what not in INSIDE:
            raise DeployError(f"{host.name}: rapids_notebooks_ports: {what!r} is not one of the container's ports "
                              f"({', '.join(INSIDE)})")
        options += ["-p", f"{bind}:{port}:{INSIDE[what]}"]
    return options


def _unit(data, lab: str, tag: str, token: str) -> None:
    name = unit(lab)
    env_path = f"{host_secrets.SECRETS_DIR}/{name}.env"
    env_op = host_secrets.put(name, f"JUPYTER_TOKEN={token}", dest=env_path)
    workload = next(w for w in track_labs.workloads(knob) if w.name == lab)
    jupyter = next(iter(track_labs.rapids_notebook_ports(knob)))
    unit_owning(
        name, description=f"{lab} JupyterLab on port {jupyter} (spark-lab)", boot=workload.boot,
        exec_start=docker_run(name, tag, [*data.rapids_notebooks_docker_args, "--env-file", env_path,
                                          *published(data)],
                              ["jupyter-lab", f"--notebook-dir={NOTEBOOKS}", "--ip=0.0.0.0", "--no-browser"]),
        conflicts=[unit(other) for other in sorted(workload.shares_ports_with) if track_labs.chosen(knob, other)],
        restart_when=[env_op])


@deploy("RAPIDS notebooks (Portfolio Optimization, single-cell)", data_defaults=DEFAULTS)
def rapids_notebooks():
    data = host.data
    chosen = [lab for lab in LABS if track_labs.chosen(knob, lab)]
    for lab in LABS:
        if lab not in chosen:
            name = unit(lab)
            units_absent(stale_units(name, []), {name: [f"{host_secrets.SECRETS_DIR}/{name}.env"]})
    if not chosen:
        return
    why = host_secrets.missing("jupyterlab_token")
    if why:
        host_secrets.skipped(f"{' and '.join(chosen)} notebooks", f"JupyterLab asks for the class token, "
                                                                  f"secrets.jupyterlab_token: {why}")
        return
    token = host_secrets.read("jupyterlab_token", "RAPIDS notebooks")
    image_pulled(name=f"RAPIDS notebooks image {data.rapids_notebooks_image}", image=data.rapids_notebooks_image)
    dockerfiles = {track_labs.PORTFOLIO: portfolio_dockerfile, track_labs.SINGLE_CELL: single_cell_dockerfile}
    for lab in chosen:
        _unit(data, lab, _image(lab, dockerfiles[lab](data)), token)
