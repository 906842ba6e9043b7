"""Lab 5B-2, Live VLM WebUI (levels-3-5.md §5B-2): NVIDIA's webcam-to-VLM web UI as the unit `lab-live-vlm`, talking
to level 2's Ollama, which serves the lab's model (`gemma3:4b`, pulled there).

Better than the playbook:
- `live-vlm-webui` is installed with Debian's pipx at a pinned version (the playbook's `pipx install` takes
  whatever PyPI has), into a directory of its own (`live_vlm_dir`, not the lab user's ~/.local), from the class's
  pip mirror (`live_vlm_pip_args`, else `base_pip_args`), and installed again only when the version changes.
  pipx itself refreshes its shared pip/setuptools/wheel from PyPI without those arguments (pipx 1.1 and 1.4); on
  a host without PyPI that step fails, pipx says "Failed to upgrade shared libraries" and carries on with the
  venv's own pip, and the app still installs from the mirror.
- HTTPS, which browsers demand for the webcam, uses a self-signed certificate made once on the host (its key 0600,
  the service user's), passed with --ssl-cert/--ssl-key; the app would otherwise make one in its config directory.
- A service, started on demand (`python -m sparklab.labs start live-vlm`), instead of `nohup` in a shell. It runs
  as a system user (`live_vlm_user`), not the lab user: the UI has no login of its own, so whoever reaches its
  port drives it; as its own user it can read neither the lab user's files (the HF token in ~/.cache, SSH keys)
  nor write its own code (root's pipx venv).
- `--model` and `--api-base` are given, so it never falls back to NVIDIA's cloud API when Ollama answers late.
- It listens on `live_vlm_host` (default `stacks_bind_address`, loopback: reached by `ssh -L 8090:localhost:8090`).
  WebRTC's video needs UDP, which an SSH tunnel does not carry (the playbook's troubleshooting), so a class whose
  browsers run on other machines sets `live_vlm_host: "0.0.0.0"`, on a class network only.

Checked here on a CPU-only machine: 0.4.0 starts without a GPU ("No GPU detected, using fallback monitor") and
answers https `/` with 200; no flag is needed.
"""

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.facts.deb import DebArch
from pyinfra.operations import apt, files, server

from roles import knob
from sparklab import host_secrets
from sparklab.engine_instances import ollama_port
from sparklab.facts import static_fact
from sparklab.operations import ollama_models_pulled, pipx_installed, self_signed_certificate
from sparklab.owned_units import stale_units, unit_owning, units_absent
from sparklab.rag_labs import unit
from sparklab.track_labs import LIVE_VLM, chosen

DEFAULTS = {
    # Started at boot (light: the model runs in Ollama); False: on demand (python -m sparklab.labs start live-vlm).
    "live_vlm_boot": False,
    "live_vlm_port": 8090,
    # The PyPI release (the playbook installs it unpinned).
    "live_vlm_version": "0.4.0",
    # The system libraries its OpenCV wheel loads (opencv-python links Qt: libGL, GLib, X11), by their DGX OS
    # (Ubuntu 24.04) names; a minimal host lacks them and the app fails at `import cv2`.
    "live_vlm_apt_packages": ["libgl1", "libglib2.0-0t64", "libsm6", "libice6", "libx11-6", "libxext6", "libxcb1"],
    # pip arguments for pipx's install (a mirror); None: base_pip_args.
    "live_vlm_pip_args": None,
    # pipx's home (PIPX_HOME: the venv) and the app's link (PIPX_BIN_DIR, under it), root's.
    "live_vlm_dir": "/opt/spark-lab/live-vlm",
    # The service user and its home: the certificate, its key and the app's config directory.
    "live_vlm_user": "live-vlm",
    "live_vlm_state_dir": "/var/lib/spark-lab/live-vlm",
    "live_vlm_cert_days": 3650,
    # The address it listens on; None: stacks_bind_address.
    "live_vlm_host": None,
    # The playbook's model, pulled into level 2's Ollama (its alternatives: llama3.2-vision:11b, qwen2.5-vl:7b).
    "live_vlm_model": "gemma3:4b",
}
PACKAGE = "live-vlm-webui"


def _ollama_missing() -> str | None:
    """Why level 2's Ollama cannot serve the lab on this host, or None."""
    if not knob("ollama_enabled"):
        return "needs level 2's Ollama, and ollama_enabled is False"
    arch = static_fact(DebArch)
    if not knob("ollama_sha256").get(arch):
        return f"needs level 2's Ollama, which is skipped here (no ollama_sha256 for {arch})"
    return None


def _absent(name: str) -> None:
    """The unit, the pipx venv (its own PIPX_HOME: `pipx uninstall` and more) and the certificate go. Level 2's
    Ollama and its models stay: the playbook's cleanup also stops Ollama and deletes its binary and models, which
    level 2 owns and other labs use. The service user stays (a system account, nothing of it runs)."""
    units_absent(stale_units(name, []), {name: [f"{knob('live_vlm_state_dir')}/"]})
    files.directory(name=f"{PACKAGE} (pipx) {knob('live_vlm_dir')} removed", path=knob("live_vlm_dir"), present=False)


@deploy("Live VLM WebUI", data_defaults=DEFAULTS)
def live_vlm():
    data = host.data
    name = unit(LIVE_VLM)
    if not chosen(knob, LIVE_VLM):
        _absent(name)
        return
    why = _ollama_missing()
    if why:
        host_secrets.skipped("Live VLM WebUI", why)
        return
    port = ollama_port(knob)
    ollama_models_pulled(name=f"Live VLM model {data.live_vlm_model} in Ollama", models=[data.live_vlm_model],
                         port=port)
    apt.packages(name="pipx, openssl and OpenCV's libraries",
                 packages=["pipx", "python3-venv", "openssl", *data.live_vlm_apt_packages])
    home, bin_dir = data.live_vlm_dir, f"{data.live_vlm_dir}/bin"
    pip_args = knob("base_pip_args") if data.live_vlm_pip_args is None else data.live_vlm_pip_args
    app = pipx_installed(name=f"{PACKAGE}=={data.live_vlm_version} (pipx)", package=PACKAGE,
                         version=data.live_vlm_version, home=home, bin_dir=bin_dir, pip_args=pip_args)
    user, state = data.live_vlm_user, data.live_vlm_state_dir
    server.group(name=f"{user} group", group=user, system=True)
    server.user(name=f"{user} user", user=user, group=user, system=True, home=state, shell="/usr/sbin/nologin")
    files.directory(name="Live VLM state directory", path=state, user=user, group=user, mode="700")
    cert, key = f"{state}/cert.pem", f"{state}/key.pem"
    # CN=localhost, as the app makes its own: a browser warns about a self-signed certificate whatever its name.
    tls = self_signed_certificate(name="Live VLM certificate (self-signed, once)", cert=cert, key=key,
                                  common_name="localhost", owner=user, days=data.live_vlm_cert_days)
    unit_owning(
        name, description=f"Live VLM WebUI on port {data.live_vlm_port} (HTTPS, spark-lab)", kind="native",
        boot=data.live_vlm_boot, service_user=user, working_directory=state,
        exec_start=[f"{bin_dir}/{PACKAGE}", "--host", data.live_vlm_host or knob("stacks_bind_address"),
                    "--port", str(data.live_vlm_port), "--model", data.live_vlm_model,
                    "--api-base", f"http://127.0.0.1:{port}/v1", "--ssl-cert", cert, "--ssl-key", key],
        restart_when=[app, tls])
