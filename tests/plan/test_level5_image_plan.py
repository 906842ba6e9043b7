"""Level 5's image-generation track planned on @fake DGX OS hosts: ComfyUI at its pinned commit in a venv with the
cu130 torch pins, the SD1.5 checkpoint verified by sha256, its unit on loopback; FLUX's two images built from the
pinned playbooks checkout (sd-scripts pinned), its gated weights fetched with the HF token in a 0600 header file
only, its two heavy units with the GPU flags; FLUX skipped without the token; both removed when not chosen."""

import subprocess

import pytest
from planner import one, plan_one_spark, uploaded

from tests.leaks import leaked

SECRETS = {"HF_TOKEN": "hf_PLANTEST_flux_token_4242", "JUPYTERLAB_TOKEN": "jt-PLANTEST-42",
           "NGC_API_KEY": "nvapi-PLANTEST-ngc-0123456789", "NVIDIA_API_KEY": "nvapi-PLANTEST-build-777",
           "TAVILY_API_KEY": "tvly-PLANTEST-999"}
SECRET_FILES = ("/etc/spark-lab/secrets/", "/opt/jupyterlab/etc/token")
TRACK = {"level5_tracks": ["image_generation"]}
ASSETS = "/opt/dgx-spark-playbooks/nvidia/flux-finetuning/assets"
HEADER = "/etc/spark-lab/secrets/lab-flux-finetune.hf-header"
MODELS = "/var/lib/spark-lab/flux/models"
COMFYUI = "4ffea0e864275301329ddb5ecc3fbc7211d7a802"
SD_SCRIPTS = "a5a162044ca953faabdb07742b4b8925f26096ce"
UNITS = "grep -lF -- 'Managed by spark-lab' /etc/systemd/system/*.service"
def _plan(dgx_os, secrets=SECRETS, **extra):
    return plan_one_spark("deploys/level5.py", dgx_os, secrets, **{**TRACK, **extra})


@pytest.fixture(scope="module")
def planned(dgx_os_module):
    return _plan(dgx_os_module)


def _exec_start(unit_file: str) -> str:
    return next(line for line in unit_file.splitlines() if line.startswith("ExecStart="))


def test_comfyui_is_cloned_at_its_pinned_commit_by_the_lab_user(planned):
    checkout = planned[f"ComfyUI | ComfyUI at {COMFYUI[:12]}"].shell()
    assert "sudo -u nvidia -H git clone -q --no-checkout https://github.com/comfyanonymous/ComfyUI.git /opt/ComfyUI" \
        in checkout
    assert f"checkout -q --detach {COMFYUI}" in checkout


def test_comfyui_venv_has_the_cu130_torch_pins_held_through_requirements(planned):
    install = planned["ComfyUI | ComfyUI venv"].shell().splitlines()
    pins = "torch==2.9.0 torchvision==0.24.0 torchaudio==2.9.0"
    assert install[0] == ("test -x /opt/comfyui-env/bin/pip || sudo -u nvidia -H python3 -m venv /opt/comfyui-env")
    assert install[1] == ("sudo -u nvidia -H /opt/comfyui-env/bin/pip install -q --index-url "
                          f"https://download.pytorch.org/whl/cu130 {pins}")
    assert install[2] == ("cd /opt/ComfyUI && sudo -u nvidia -H /opt/comfyui-env/bin/pip install -q "
                          f"-r requirements.txt {pins}")
    assert install[3] == (f"echo '{COMFYUI} https://download.pytorch.org/whl/cu130 {pins}' > "
                          "/opt/comfyui-env/.spark-lab-installed"), "installed again only when a pin changes"
    venv = planned["ComfyUI | ComfyUI venv directory"].shell()
    assert "chown nvidia:nvidia /opt/comfyui-env" in venv


def test_comfyui_checkpoint_is_downloaded_and_verified_by_sha256(planned):
    download = planned["ComfyUI | ComfyUI checkpoint v1-5-pruned-emaonly-fp16.safetensors"].shell().splitlines()
    dest = "/opt/ComfyUI/models/checkpoints/v1-5-pruned-emaonly-fp16.safetensors"
    assert download[1] == (f"curl -fsSL --retry 5 -C - -o {dest}.part https://huggingface.co/Comfy-Org/"
                           "stable-diffusion-v1-5-archive/resolve/main/v1-5-pruned-emaonly-fp16.safetensors")
    assert download[2].startswith("echo 'e9476a13728cd75d8279f6ec8bad753a66a1957ca375a1464dc63b37db6e3916  "
                                  f"{dest}.part' | sha256sum -c --quiet -")
    assert download[3] == f"mv {dest}.part {dest}"


def test_comfyui_unit_runs_as_the_lab_user_on_loopback(planned):
    unit = uploaded(planned["ComfyUI | lab-comfyui unit"])
    assert _exec_start(unit) == ("ExecStart=/opt/comfyui-env/bin/python main.py --listen 127.0.0.1 --port 8188")
    assert "User=nvidia" in unit and "WorkingDirectory=/opt/ComfyUI" in unit and "Restart=on-failure" in unit
    assert planned["ComfyUI | lab-comfyui on demand"].shell() == "", "on demand: not started or enabled"


def test_flux_images_are_built_from_the_pinned_checkout_with_sd_scripts_pinned(planned):
    inference = one(planned, "FLUX.1 Dreambooth LoRA | flux-comfyui image spark-lab/flux-comfyui:").shell()
    assert inference.startswith("docker build -q -t spark-lab/flux-comfyui:")
    assert inference.endswith(f"-f {ASSETS}/Dockerfile.inference {ASSETS}")
    train = one(planned, "FLUX.1 Dreambooth LoRA | flux-train image spark-lab/flux-train:").shell().splitlines()
    assert train[0] == (f"grep -qF 'git checkout sd3' {ASSETS}/Dockerfile.train || {{ echo "
                        f"'cannot pin: no git checkout sd3 in' {ASSETS}/Dockerfile.train >&2; exit 1; }}")
    assert train[1].startswith(f"sed 's|git checkout sd3|git checkout {SD_SCRIPTS}|' {ASSETS}/Dockerfile.train | "
                               "docker build -q -t spark-lab/flux-train:")
    assert train[1].endswith(f"-f - {ASSETS}")


def test_the_sd_scripts_edit_pins_the_playbooks_checkout_line(planned, tmp_path):
    """The planned sed, run on Dockerfile.train's RUN line (levels-3-5.md §5A-2), checks out the pinned commit."""
    dockerfile = tmp_path / "Dockerfile.train"
    dockerfile.write_text("RUN cd /workspace/ && \\\n    git clone https://github.com/kohya-ss/sd-scripts.git && \\\n"
                          "    cd sd-scripts && \\\n    git checkout sd3 && \\\n    pip install -r requirements.txt\n")
    train = one(planned, "FLUX.1 Dreambooth LoRA | flux-train image").shell().splitlines()[1]
    sed = train.split(" | ")[0].replace(f"{ASSETS}/Dockerfile.train", str(dockerfile))
    out = subprocess.run(sed, shell=True, capture_output=True, text=True, check=True).stdout
    assert f"    git checkout {SD_SCRIPTS} && \\\n" in out and "sd3" not in out


def test_flux_weights_come_with_the_token_in_a_0600_header_file(planned):
    header = planned[f"FLUX.1 Dreambooth LoRA | Secret FLUX Hugging Face header in {HEADER} (0600)"]
    assert ("upload", f"Authorization: Bearer {SECRETS['HF_TOKEN']}\n", HEADER) in header.commands
    assert "chmod 600" in header.shell()
    wanted = {"vae/ae.safetensors": "black-forest-labs/FLUX.1-dev/resolve/main/ae.safetensors",
              "checkpoints/flux1-dev.safetensors": "black-forest-labs/FLUX.1-dev/resolve/main/flux1-dev.safetensors",
              "text_encoders/clip_l.safetensors": "comfyanonymous/flux_text_encoders/resolve/main/clip_l.safetensors",
              "text_encoders/t5xxl_fp16.safetensors":
                  "comfyanonymous/flux_text_encoders/resolve/main/t5xxl_fp16.safetensors"}
    for path, source in wanted.items():
        curl = planned[f"FLUX.1 Dreambooth LoRA | FLUX weights {path}"].shell().splitlines()[1]
        assert curl == (f"curl -fsSL --retry 5 -C - -H @{HEADER} -o {MODELS}/{path}.part "
                        f"https://huggingface.co/{source}")


def test_flux_units_are_heavy_on_demand_with_the_gpu_and_the_launch_scripts_flags(planned):
    comfy = uploaded(planned["FLUX.1 Dreambooth LoRA | lab-flux-comfyui unit"])
    gpu = "--gpus all --ipc=host --ulimit memlock=-1 --ulimit stack=67108864 --net=host"
    assert _exec_start(comfy).startswith(
        f"ExecStart=/usr/bin/docker run --rm --pull never --name lab-flux-comfyui {gpu} "
        f"-v {MODELS}/vae:/workspace/ComfyUI/models/vae -v {MODELS}/loras:/workspace/ComfyUI/models/loras ")
    assert _exec_start(comfy).endswith("python main.py --listen 127.0.0.1 --port 8189")
    assert " spark-lab/flux-comfyui:" in _exec_start(comfy)
    train = uploaded(planned["FLUX.1 Dreambooth LoRA | lab-flux-train unit"])
    assert _exec_start(train).startswith(
        f"ExecStart=/usr/bin/docker run --rm --pull never --name lab-flux-train {gpu} "
        "-v /var/lib/spark-lab/flux/flux_data:/workspace/sd-scripts/flux_data ")
    assert (" accelerate launch --num_processes=1 --num_machines=1 --mixed_precision=bf16 "
            "--main_process_ip=127.0.0.1 --main_process_port=29500 --num_cpu_threads_per_process=2 "
            "flux_train_network.py --pretrained_model_name_or_path=models/checkpoints/flux1-dev.safetensors ") \
        in _exec_start(train)
    assert "--output_dir=models/loras/" in train and "--output_name=flux_dreambooth" in train
    assert "Restart=no" in train, "a training job runs once"
    for name in ("lab-flux-comfyui", "lab-flux-train"):
        assert planned[f"FLUX.1 Dreambooth LoRA | {name} on demand"].shell() == ""
        conflicts = uploaded(planned[f"FLUX.1 Dreambooth LoRA | {name} one heavy workload at a time"])
        other = "lab-flux-train" if name == "lab-flux-comfyui" else "lab-flux-comfyui"
        assert f"{other}.service" in conflicts and "engine-vllm.service" in conflicts and name not in conflicts


def test_no_secret_in_any_command_or_unit(planned):
    for op in planned.values():
        texts = [c if isinstance(c, str) else c[1] for c in op.commands
                 if isinstance(c, str) or not c[2].startswith(SECRET_FILES)]
        for secret in SECRETS.values():
            assert not any(leaked(secret, str(text)) for text in texts), op.name
        assert not leaked(SECRETS["HF_TOKEN"], op.name)


def test_without_the_hf_token_flux_is_skipped_and_comfyui_still_planned(dgx_os, caplog):
    planned = _plan(dgx_os, secrets={k: v for k, v in SECRETS.items() if k != "HF_TOKEN"})
    assert not [n for n in planned if n.startswith("FLUX.1 Dreambooth LoRA |")]
    assert "ComfyUI | lab-comfyui unit" in planned
    assert "FLUX.1 Dreambooth LoRA: skipped (needs secrets.hf_token of an account that accepted the FLUX.1-dev " \
           "licence at https://huggingface.co/black-forest-labs/FLUX.1-dev: $HF_TOKEN is empty or missing)" \
        in caplog.text


def test_a_track_not_chosen_has_its_units_removed(dgx_os):
    written = "\n".join(f"/etc/systemd/system/{u}.service"
                        for u in ("lab-comfyui", "lab-flux-comfyui", "lab-flux-train", "engine-vllm"))
    planned = _plan({**dgx_os, UNITS: written}, level5_tracks=["jax"])
    removed = sorted(n for n in planned if n.startswith(("ComfyUI |", "FLUX.1 Dreambooth LoRA |")))
    assert removed == [
        "ComfyUI | lab-comfyui drop-ins removed",
        "ComfyUI | lab-comfyui stopped and disabled",
        "ComfyUI | lab-comfyui unit removed",
        "ComfyUI | systemd reloaded",
        f"FLUX.1 Dreambooth LoRA | lab-flux-comfyui {HEADER} removed",
        "FLUX.1 Dreambooth LoRA | lab-flux-comfyui drop-ins removed",
        "FLUX.1 Dreambooth LoRA | lab-flux-comfyui stopped and disabled",
        "FLUX.1 Dreambooth LoRA | lab-flux-comfyui unit removed",
        "FLUX.1 Dreambooth LoRA | lab-flux-train drop-ins removed",
        "FLUX.1 Dreambooth LoRA | lab-flux-train stopped and disabled",
        "FLUX.1 Dreambooth LoRA | lab-flux-train unit removed",
        "FLUX.1 Dreambooth LoRA | systemd reloaded",
    ]
    assert "lab-flux-train" not in uploaded(planned["Inference engines | engine-vllm one heavy workload at a time"])
