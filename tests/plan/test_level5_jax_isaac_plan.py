"""Level 5's JAX and robotics tracks planned on @fake DGX OS Sparks: the JAX image built from the pinned playbooks
checkout over digest-pinned bases, its marimo unit with the playbook's GPU flags on 127.0.0.1:2718 asking for the
class token (read from a 0600 file, never on a command line, never `--no-token`); Isaac Sim and Isaac Lab at their
pinned releases, built with gcc-11 beside the system compiler (no update-alternatives anywhere), skipped without a
GPU or the licence; both absent when their tracks are not chosen."""

import json
import logging

import pytest
from planner import fake_hosts_like, plan, uploaded

from roles import knob_defaults
from sparklab import jax_image, track_labs
from tests.leaks import leaked

DEPLOY = "deploys/level5.py"
TOKEN = "jt-PLANTEST-marimo-4242"
TRACKS = ["jax", "robotics"]
TOKEN_FILE = "/etc/spark-lab/secrets/lab-jax.token"
UV = "ghcr.io/astral-sh/uv@sha256:6dbd7c42a9088083fa79e41431a579196a189bcee3ae68ba904ac2bf77765867"
BASE = "nvidia/cuda@sha256:c3fde347d52d578c84fd644bc177bc7ec333feaf11550d990da4084d7612e4c7"
RELEASE = "/opt/isaac/IsaacSim/_build/linux-aarch64/release"
SIM_PINS = "v6.0.0 40316786340b3f034a229d9e12650df1ac0b68ab --release"


def _plan(responses, token=TOKEN, **extra):
    with pytest.MonkeyPatch.context() as mp:
        for name in ("NGC_API_KEY", "TS_AUTHKEY", "HF_TOKEN", "NVIDIA_API_KEY", "TAVILY_API_KEY", "JUPYTERLAB_TOKEN"):
            mp.delenv(name, raising=False)
        if token:
            mp.setenv("JUPYTERLAB_TOKEN", token)
        data = {"level5_tracks": TRACKS, "isaac_accept_eula": True, **extra}
        hosts = fake_hosts_like("inventories/one_spark.py", responses, ollama_sha256={"arm64": "a" * 64},
                                users_authorized_key_files=[], users_authorized_keys=["ssh-ed25519 AAAA plan"],
                                **data)
        ops = plan(hosts, DEPLOY)["spark-1"]
    return {" | ".join(p for p in op.name.split(" | ") if not p.startswith("deploys/")): op for op in ops}


def _setting(**extra):
    values = {**knob_defaults(), "level5_tracks": TRACKS, **extra}
    return values.__getitem__


@pytest.fixture(scope="module")
def planned(dgx_os_module):
    return _plan(dgx_os_module)


def _texts(planned, skip_dests=()):
    """(op name, text) of every command and uploaded file, less uploads to ``skip_dests``."""
    for name, op in planned.items():
        for c in op.commands:
            if isinstance(c, str):
                yield name, c
            elif not c[2].startswith(skip_dests):
                yield name, str(c[1])


def _role(planned, role: str) -> list[str]:
    return [n for n in planned if n.startswith(f"{role} |")]


# --- JAX ---------------------------------------------------------------------------------------------------------

def test_jax_image_is_built_from_the_pinned_checkout_over_pinned_bases(planned):
    names = list(planned)
    assert planned[f"JAX lab | JAX image base {BASE}"].shell() == f"docker pull {BASE}"
    assert planned[f"JAX lab | JAX image base {UV}"].shell() == f"docker pull {UV}"
    # tagged under the names the Dockerfile uses, so the build never pulls uv:latest or the Docker Hub tag
    assert planned[f"JAX lab | {BASE} tagged nvidia/cuda:13.0.1-runtime-ubuntu24.04"].shell() == \
        f"docker tag {BASE} nvidia/cuda:13.0.1-runtime-ubuntu24.04"
    assert planned[f"JAX lab | {UV} tagged ghcr.io/astral-sh/uv:latest"].shell() == \
        f"docker tag {UV} ghcr.io/astral-sh/uv:latest"
    tag = jax_image.image_tag(_setting())
    build = f"JAX lab | JAX image {tag}"
    assert tag.startswith("jax-on-spark:")
    assert planned[build].shell() == f"docker build -q -t {tag} /opt/dgx-spark-playbooks/nvidia/jax/assets"
    checkout = "NVIDIA playbooks checkout | dgx-spark-playbooks at 0db7c141da60"
    assert names.index(checkout) < names.index(f"JAX lab | {UV} tagged ghcr.io/astral-sh/uv:latest") < \
        names.index(build)


def test_a_new_pin_is_a_new_image_and_an_unchanged_one_is_never_rebuilt(dgx_os):
    tag = jax_image.image_tag(_setting())
    assert jax_image.image_tag(_setting(jax_uv_digest="sha256:" + "0" * 64)) != tag
    assert jax_image.image_tag(_setting(playbooks_commit="1" * 40)) != tag
    image = [json.dumps([{"Id": "sha256:uv"}])]
    responses = {f"docker image inspect {tag}": json.dumps([{"Id": "sha256:jax"}]),
                 f"docker image inspect {UV}": image, "docker image inspect ghcr.io/astral-sh/uv:latest": image,
                 f"docker image inspect {BASE}": json.dumps([{"Id": "sha256:base"}]),
                 "docker image inspect nvidia/cuda:13.0.1-runtime-ubuntu24.04": json.dumps([{"Id": "sha256:base"}]),
                 **dgx_os}
    again = _plan(responses)
    for name in (f"JAX image {tag}", f"JAX image base {UV}", f"{UV} tagged ghcr.io/astral-sh/uv:latest",
                 f"{BASE} tagged nvidia/cuda:13.0.1-runtime-ubuntu24.04"):
        assert again[f"JAX lab | {name}"].commands == [], name


def test_the_unit_runs_marimo_with_the_gpu_on_loopback_2718_and_the_token_from_a_file(planned):
    unit = uploaded(planned["JAX lab | lab-jax unit"])
    tag = jax_image.image_tag(_setting())
    assert ("ExecStart=/usr/bin/docker run --rm --pull never --name lab-jax --gpus all --shm-size=1g --ulimit "
            "memlock=-1 --ulimit stack=67108864 -p 127.0.0.1:2718:2718 "
            f"-v {TOKEN_FILE}:/run/spark-lab/marimo-token:ro "
            "-v /etc/spark-lab/jax/marimo_token.py:/opt/spark-lab/marimo_token.py:ro "
            f"{tag} /app/.venv/bin/python /opt/spark-lab/marimo_token.py /run/spark-lab/marimo-token edit 00-toc.py "
            "--host 0.0.0.0 --port 2718 --headless --no-sandbox --skip-update-check") in unit
    assert "8080" not in unit, "Open WebUI's port"
    secret = planned[f"JAX lab | Secret lab-jax in {TOKEN_FILE} (0600)"]
    assert f"chmod 600 {TOKEN_FILE}" in secret.shell()
    assert ("upload", f"{TOKEN}\n", TOKEN_FILE) in secret.commands
    wrapper = uploaded(planned["JAX lab | marimo token wrapper"])
    assert 'REFUSED = ("--no-token", "--token-password")' in wrapper
    assert "JAX lab | lab-jax on demand" in planned


def test_the_workload_is_marimo_on_2718_with_its_tokenless_health_route():
    (jax,) = [w for w in track_labs.workloads(_setting()) if w.name == track_labs.JAX]
    assert jax.unit == "lab-jax" and set(jax.ports) == {2718} and not jax.boot
    assert [(r.port, r.path) for r in jax.health] == [(2718, "/health")]


def test_the_token_is_in_no_command_and_no_notebook_runs_without_one(planned):
    for name, text in _texts(planned, skip_dests=(TOKEN_FILE, "/opt/jupyterlab/etc/token")):  # the 0600 files
        assert not leaked(TOKEN, text), name
        if name != "JAX lab | marimo token wrapper":  # the wrapper names the flag it refuses
            assert "--no-token" not in text, name


def test_without_the_class_token_only_the_jax_lab_is_skipped(dgx_os, caplog):
    caplog.set_level(logging.WARNING, logger="pyinfra")
    planned = _plan(dgx_os, token=None)
    assert _role(planned, "JAX lab") == []
    assert "JAX lab: skipped (its marimo notebooks ask for the class token, secrets.jupyterlab_token: " \
           "$JUPYTERLAB_TOKEN is empty or missing)" in caplog.text
    assert "Isaac Sim and Isaac Lab | Isaac Sim v6.0.0 built" in planned


def test_jax_devices_command_for_the_checkpoint():
    tag = jax_image.image_tag(_setting())
    assert jax_image.devices_command(_setting()) == (
        "docker run --rm --pull never --gpus all --shm-size=1g --ulimit memlock=-1 --ulimit stack=67108864 "
        f"{tag} /app/.venv/bin/python -c 'import jax; print(jax.devices())'")


# --- Isaac Sim and Isaac Lab ---------------------------------------------------------------------------------------

def test_isaac_sim_and_lab_are_cloned_at_their_pinned_releases(planned):
    sim = planned["Isaac Sim and Isaac Lab | Isaac Sim v6.0.0 built"].commands
    assert "sudo -u nvidia -H git clone -q --depth 1 --recursive --branch v6.0.0 " \
           "https://github.com/isaac-sim/IsaacSim.git /opt/isaac/IsaacSim" in sim
    assert "test \"$(git -c safe.directory='*' -C /opt/isaac/IsaacSim rev-parse HEAD)\" = " \
           "40316786340b3f034a229d9e12650df1ac0b68ab || { echo 'IsaacSim v6.0.0 is not " \
           "40316786340b3f034a229d9e12650df1ac0b68ab' >&2; exit 1; }" in sim
    assert "sudo -u nvidia -H git -C /opt/isaac/IsaacSim lfs pull" in sim
    assert "sudo -u nvidia -H touch /opt/isaac/IsaacSim/.eula_accepted" in sim
    assert sim[-1] == f"echo '{SIM_PINS}' > /opt/isaac/.spark-lab-isaac-sim", "the stamp is written last"
    lab = planned["Isaac Sim and Isaac Lab | Isaac Lab v3.0.0-beta2 installed"].commands
    assert "sudo -u nvidia -H git clone -q --depth 1 --recursive --branch v3.0.0-beta2 " \
           "https://github.com/isaac-sim/IsaacLab.git /opt/isaac/IsaacLab" in lab
    assert f"sudo -u nvidia -H ln -sfn {RELEASE} /opt/isaac/IsaacLab/_isaac_sim" in lab
    assert lab[-2].startswith("cd /opt/isaac/IsaacLab && sudo -u nvidia -H env ")
    assert lab[-2].endswith(" LD_PRELOAD=/lib/aarch64-linux-gnu/libgomp.so.1 ./isaaclab.sh --install")


def test_gcc_11_builds_isaac_sim_and_the_system_compiler_is_unchanged(planned):
    packages = planned["Isaac Sim and Isaac Lab | Isaac build packages (gcc-11 beside the default compiler)"].shell()
    assert " gcc-11 g++-11 " in packages and " git-lfs " in packages and "libx11-dev" in packages
    links = {name.rsplit(" ", 3)[-3]: op.shell() for name, op in planned.items() if " -> " in name and "Isaac build"
             in name}
    assert links["gcc"].endswith("ln -s /usr/bin/gcc-11 /opt/spark-lab/isaac/gcc-11/gcc")
    assert links["g++"].endswith("ln -s /usr/bin/g++-11 /opt/spark-lab/isaac/gcc-11/g++")
    assert set(links) == {"gcc", "g++", "cc", "c++", "cpp"}
    build = planned["Isaac Sim and Isaac Lab | Isaac Sim v6.0.0 built"].commands
    assert "cd /opt/isaac/IsaacSim && sudo -u nvidia -H env PATH=/opt/spark-lab/isaac/gcc-11:$PATH " \
           "CC=/opt/spark-lab/isaac/gcc-11/gcc CXX=/opt/spark-lab/isaac/gcc-11/g++ ./build.sh --release" in build
    for name, text in _texts(planned):
        assert "update-alternatives" not in text, name
        assert "/usr/bin/gcc " not in text and "/etc/alternatives" not in text, name


def test_the_commands_preload_libgomp_for_themselves_only(planned):
    sim = uploaded(planned["Isaac Sim and Isaac Lab | spark-lab-isaac-sim command"])
    lab = uploaded(planned["Isaac Sim and Isaac Lab | spark-lab-isaaclab command"])
    for script in (sim, lab):
        assert 'export LD_PRELOAD="${LD_PRELOAD:+$LD_PRELOAD:}/lib/aarch64-linux-gnu/libgomp.so.1"' in script
        assert f'export ISAACSIM_PATH="{RELEASE}"' in script
    assert sim.rstrip().endswith(f'exec "{RELEASE}/isaac-sim.sh" "$@"')
    assert lab.rstrip().endswith('exec "/opt/isaac/IsaacLab/isaaclab.sh" "$@"')
    assert "chmod 755 /usr/local/bin/spark-lab-isaaclab" in planned[
        "Isaac Sim and Isaac Lab | spark-lab-isaaclab command"].shell()
    for name, op in planned.items():
        for c in op.commands:
            if isinstance(c, tuple):
                assert not c[2].startswith(("/etc/environment", "/etc/profile", "/etc/ld.so.preload")), name


def test_isaac_is_rebuilt_only_when_its_pins_change(dgx_os):
    lab_pins = f"{SIM_PINS} | v3.0.0-beta2"
    built = _plan({"cat /opt/isaac/.spark-lab-isaac-sim": SIM_PINS, "cat /opt/isaac/.spark-lab-isaac-lab": lab_pins,
                   **dgx_os})
    assert "Isaac Sim and Isaac Lab | Isaac Sim v6.0.0 built" not in built
    assert "Isaac Sim and Isaac Lab | Isaac Lab v3.0.0-beta2 installed" not in built
    new_lab = _plan({"cat /opt/isaac/.spark-lab-isaac-sim": SIM_PINS, "cat /opt/isaac/.spark-lab-isaac-lab": lab_pins,
                     **dgx_os}, isaac_lab_ref="v3.0.0-beta2.patch9")
    assert "Isaac Sim and Isaac Lab | Isaac Sim v6.0.0 built" not in new_lab
    assert "Isaac Sim and Isaac Lab | Isaac Lab v3.0.0-beta2.patch9 installed" in new_lab


def test_a_host_without_a_gpu_skips_isaac_and_keeps_jax(dgx_os, caplog):
    caplog.set_level(logging.WARNING, logger="pyinfra")
    no_gpu = {k: v for k, v in dgx_os.items() if k != "nvidia-smi -L"}
    planned = _plan(no_gpu)
    assert _role(planned, "Isaac Sim and Isaac Lab") == []
    assert "Isaac Sim and Isaac Lab: skipped (no NVIDIA GPU on this host (`nvidia-smi -L` lists none))" in caplog.text
    assert "JAX lab | lab-jax unit" in planned


def test_without_the_licence_accepted_isaac_is_skipped_naming_it(dgx_os, caplog):
    caplog.set_level(logging.WARNING, logger="pyinfra")
    planned = _plan(dgx_os, isaac_accept_eula=False)
    assert _role(planned, "Isaac Sim and Isaac Lab") == []
    assert "isaac-sim-additional-software-and-materials-license/ and set isaac_accept_eula: True" in caplog.text


# --- absent when not chosen ----------------------------------------------------------------------------------------

def test_labs_of_tracks_not_chosen_are_removed_and_the_builds_kept(dgx_os):
    written = "/etc/systemd/system/lab-jax.service\n/etc/systemd/system/engine-vllm.service"
    responses = {**dgx_os, "grep -lF -- 'Managed by spark-lab' /etc/systemd/system/*.service": written}
    planned = _plan(responses, level5_tracks=[])
    assert sorted(_role(planned, "JAX lab")) == [
        "JAX lab | lab-jax /etc/spark-lab/jax/ removed",
        f"JAX lab | lab-jax {TOKEN_FILE} removed",
        "JAX lab | lab-jax drop-ins removed",
        "JAX lab | lab-jax stopped and disabled",
        "JAX lab | lab-jax unit removed",
        "JAX lab | systemd reloaded",
    ]
    assert sorted(_role(planned, "Isaac Sim and Isaac Lab")) == [
        "Isaac Sim and Isaac Lab | Isaac build compiler links removed",
        "Isaac Sim and Isaac Lab | spark-lab-isaac-sim removed",
        "Isaac Sim and Isaac Lab | spark-lab-isaaclab removed",
    ]
    assert not any("/opt/isaac" in text or "docker rmi" in text for _, text in _texts(planned))


def test_one_track_without_the_other(dgx_os):
    planned = _plan(dgx_os, level5_tracks=["jax"])
    assert "JAX lab | lab-jax unit" in planned
    assert "Isaac Sim and Isaac Lab | spark-lab-isaaclab removed" in planned
    assert "Isaac Sim and Isaac Lab | Isaac Sim v6.0.0 built" not in planned
