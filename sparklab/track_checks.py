"""Level 5's checks of one lab on one host, for the checkpoint: is it at its pins, and what is its functional check
beyond its health routes. Every check reads the same knobs the lab's role deployed from.

``run(command) -> (exit status, output)`` runs on the host (testinfra's, or sparklab.remote's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from shlex import quote
from typing import Any

from sparklab import jax_image, track_labs

Setting = Callable[[str], Any]
Run = Callable[[str], tuple[int, str]]


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


def _isaac(run: Run, setting: Setting) -> str | None:
    path, commit = f"{setting('isaac_dir')}/IsaacSim", setting("isaac_sim_commit")
    if (head := _head(run, path)) != commit:
        return f"{path} is at {head or 'no commit'}, not {commit}"
    return None


PINS: dict[str, Callable[[Run, Setting], str | None]] = {
    track_labs.COMFYUI: _comfyui, track_labs.FLUX: _flux, track_labs.JAX: _jax, track_labs.ISAAC: _isaac,
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
    return None
