"""Level 5's checks of one lab on one host, for the checkpoint: is it at its pins, and what is its functional check
beyond its health routes. Every check reads the same knobs the lab's role deployed from.

``run(command) -> (exit status, output)`` runs on the host (testinfra's, or sparklab.remote's).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from shlex import quote
from typing import Any

from sparklab import jax_image, track_labs
from sparklab.engine_instances import ollama_port
from sparklab.finetune_envs import BIN_DIR, command_name
from sparklab.owned_units import UNIT_DIR
from sparklab.rag_labs import unit

Setting = Callable[[str], Any]
Run = Callable[[str], tuple[int, str]]

# The RAPIDS playbook's check of its environment (levels-3-5.md §5D-1); roles.rapids runs it after creating it.
RAPIDS_IMPORTS = "import cudf, cuml"


def rapids_stamp(prefix: str, env: str) -> str:
    """Beside the environment, not in it: creating the environment replaces its directory."""
    return f"{prefix}/envs/.spark-lab-{env}"


def conda_run(prefix: str, env: str, code: str) -> list[str]:
    """argv of a Python one-liner in the conda environment ``env`` (`conda run -n ENV python -c ...`)."""
    return [f"{prefix}/bin/conda", "run", "-n", env, "python", "-c", code]


@dataclass(frozen=True)
class Functional:
    """A command whose output must contain ``expect`` (case-insensitive); ``what`` says what it proves."""

    command: str
    expect: str
    what: str


def skipped_by_data(setting: Setting, lab: str) -> str | None:
    """Why the role leaves a chosen lab out on purpose (beyond secrets and GPUs), or None."""
    if lab == track_labs.ISAAC and not setting("isaac_accept_eula"):
        return "isaac_accept_eula is False (the Isaac Sim licence is not accepted)"
    return None


def _head(run: Run, path: str) -> str:
    return run(f"git -c safe.directory='*' -C {quote(path)} rev-parse HEAD")[1].strip()


def _missing_files(run: Run, paths: list[str]) -> list[str]:
    return [p for p in paths if run(f"test -s {quote(p)}")[0] != 0]


def _comfyui(run: Run, setting: Setting) -> str | None:
    source, commit = setting("comfyui_dir"), setting("comfyui_commit")
    if (head := _head(run, source)) != commit:
        return f"{source} is at {head or 'no commit'}, not {commit}"
    checkpoint = f"{source}/models/checkpoints/{setting('comfyui_checkpoint_url').rsplit('/', 1)[-1]}"
    want = setting("comfyui_checkpoint_sha256")
    got = run(f"sha256sum {quote(checkpoint)}")[1].split()
    if not got or (want and got[0] != want):
        return f"{checkpoint}: {'missing' if not got else f'sha256 {got[0]}, not {want}'}"
    torch = next(p for p in setting("comfyui_torch_packages") if p.startswith("torch=="))
    frozen = run(f"{quote(setting('comfyui_venv'))}/bin/pip freeze")[1].lower().split()
    return None if any(f == torch or f.startswith(torch + "+") for f in frozen) else \
        f"{setting('comfyui_venv')} has no {torch}"


def _flux(run: Run, setting: Setting) -> str | None:
    models = setting("flux_models_dir")
    missing = _missing_files(run, [f"{models}/{path}" for path in setting("flux_model_files")])
    images = [i for i in ("flux-comfyui", "flux-train") if run(f"docker image inspect {i}")[0] != 0]
    return "; ".join([f"not downloaded: {', '.join(missing)}"] * bool(missing) +
                     [f"images missing: {', '.join(images)}"] * bool(images)) or None


def _jax(run: Run, setting: Setting) -> str | None:
    tag = jax_image.image_tag(setting)
    return None if run(f"docker image inspect {quote(tag)}")[0] == 0 else f"image {tag} (built from the pins) missing"


def _image_named_in(run: Run, path: str, repository: str) -> str | None:
    """The image ``repository:TAG`` that the unit or command at ``path`` runs is on the host (its tag is a digest
    of the pins it was built from, so the file written from today's data names today's pins)."""
    text = run(f"cat {quote(path)}")[1]
    tag = next((word for word in text.replace('"', " ").split() if word.startswith(f"{repository}:")), None)
    if tag is None:
        return f"{path} names no {repository} image"
    return None if run(f"docker image inspect {quote(tag)}")[0] == 0 else f"image {tag} (named in {path}) missing"


def _rapids(run: Run, setting: Setting) -> str | None:
    """The environment's stamp (roles.rapids writes it after the create and the import check succeed) records
    today's channels and packages."""
    prefix, env = setting("rapids_conda_prefix"), setting("rapids_conda_env")
    status, stamp = run(f"cat {quote(rapids_stamp(prefix, env))}")
    want = {"channels": setting("rapids_conda_channels"), "packages": setting("rapids_conda_packages")}
    if status != 0:
        return f"environment {env} was never created ({rapids_stamp(prefix, env)} missing)"
    return None if json.loads(stamp) == want else f"environment {env} was created from {stamp.strip()}, not {want}"


def _notebook(lab: str) -> Callable[[Run, Setting], str | None]:
    return lambda run, setting: _image_named_in(run, f"{UNIT_DIR}/{unit(lab)}.service", f"spark-lab/rapids-{lab}")


def _live_vlm(run: Run, setting: Setting) -> str | None:
    python, version = f"{setting('live_vlm_dir')}/venvs/live-vlm-webui/bin/python", setting("live_vlm_version")
    got = run(f"{quote(python)} -c 'import importlib.metadata as m; print(m.version(\"live-vlm-webui\"))'")[1]
    return None if got.strip() == version else f"live-vlm-webui {got.strip() or 'missing'}, not {version}"


def _tensorrt(run: Run, setting: Setting) -> str | None:
    return _image_named_in(run, f"{BIN_DIR}/{command_name(track_labs.TENSORRT_T2I)}", "spark-lab/tensorrt-t2i")


def _vss(run: Run, setting: Setting) -> str | None:
    path, commit, tag = setting("vss_dir"), setting("vss_commit"), setting("vss_tag")
    if commit:
        return None if (head := _head(run, path)) == commit else f"{path} is at {head or 'no commit'}, not {commit}"
    found = run(f"git -c safe.directory='*' -C {quote(path)} describe --tags --exact-match")[1].strip()
    return None if found == tag else f"{path} is at {found or 'no tag'}, not {tag}"


def _isaac(run: Run, setting: Setting) -> str | None:
    path, commit = f"{setting('isaac_dir')}/IsaacSim", setting("isaac_sim_commit")
    if (head := _head(run, path)) != commit:
        return f"{path} is at {head or 'no commit'}, not {commit}"
    return None


PINS: dict[str, Callable[[Run, Setting], str | None]] = {
    track_labs.COMFYUI: _comfyui, track_labs.FLUX: _flux, track_labs.TENSORRT_T2I: _tensorrt,
    track_labs.LIVE_VLM: _live_vlm, track_labs.VSS: _vss, track_labs.ISAAC: _isaac, track_labs.RAPIDS: _rapids,
    track_labs.PORTFOLIO: _notebook(track_labs.PORTFOLIO), track_labs.SINGLE_CELL: _notebook(track_labs.SINGLE_CELL),
    track_labs.JAX: _jax,
}


def pin_problem(run: Run, setting: Setting, lab: str) -> str | None:
    """What on the host is not at the lab's pins, or None."""
    return PINS[lab](run, setting)


def functional(setting: Setting, lab: str, gpu: bool) -> Functional | None:
    """The lab's functional check on a host with or without a GPU, or None where its health routes are its check."""
    if lab == track_labs.JAX:
        # On a Spark the playbook's failure to catch is "JAX only uses CPU"; a host without a GPU lists its CPU.
        return Functional(jax_image.devices_command(setting), "cuda" if gpu else "CpuDevice",
                          "jax.devices() lists a CUDA device" if gpu else "JAX runs in its image (no GPU here)")
    if lab == track_labs.RAPIDS:
        code = f"{RAPIDS_IMPORTS}; print('cudf', cudf.__version__, 'cuml', cuml.__version__)"
        argv = conda_run(setting("rapids_conda_prefix"), setting("rapids_conda_env"), code)
        return Functional(" ".join(quote(a) for a in argv), "cudf", "RAPIDS imports cudf and cuml")
    if lab == track_labs.LIVE_VLM:
        model = setting("live_vlm_model")
        return Functional(f"curl -fsS --max-time 10 http://127.0.0.1:{ollama_port(setting)}/api/tags", model,
                          f"level 2's Ollama lists Live VLM's {model}")
    return None
