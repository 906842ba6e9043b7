"""Lab 5A-2, FLUX.1 Dreambooth LoRA fine-tuning (levels-3-5.md §5A-2): the playbook's two images, `flux-comfyui` and
`flux-train`, built from the pinned playbooks checkout, the FLUX.1-dev weights and text encoders downloaded with the
class's Hugging Face token, and two on-demand heavy units: `lab-flux-comfyui` (launch_comfyui.sh) and
`lab-flux-train` (launch_train.sh, a job that writes its LoRAs into the models' loras/). Starting either stops
every other heavy workload, the other one included: the playbook asks for the GPU to itself while training.

FLUX.1-dev is gated: without `secrets.hf_token` (whose account has accepted the licence) the lab is skipped with a
warning naming the licence page. The token reaches curl only through a 0600 header file (`-H @file`), never a
command line (download.sh puts it on curl's).

Better than the playbook:
- sd-scripts **pinned**: Dockerfile.train checks out the `sd3` branch, which has moved since (it was merged into
  main for v0.10.0 in January 2026); the image is built from the checkout's Dockerfile.train with that checkout
  replaced by `flux_sd_scripts_commit`, sd3's head on the playbook's stamp (11/07/2025), and the build fails
  if the playbook no longer says `git checkout sd3`;
- the weights (~34 GB) are downloaded resumably into `flux_models_dir`, outside the read-only checkout, verified
  against `flux_model_sha256` where given; the dataset and workflows are copied once into `flux_dir` (training
  caches latents beside the images, students edit data.toml and save workflows) and ComfyUI's output/ is kept
  there too (the playbook's `--rm` container loses it);
- the playbook's ComfyUI takes 8188 on the host network, the ComfyUI lab's port: here it listens on
  `flux_comfyui_port`, on `stacks_bind_address` (ComfyUI has no login).
The playbook's `sync; echo 3 > drop_caches` between inference and training is left to the instructor
(`base_drop_caches_command`).
"""

from pyinfra import host
from pyinfra.api import QuoteString, StringCommand, deploy
from pyinfra.operations import files

from roles import knob
from roles.playbooks_source import lab_dir
from sparklab import host_secrets, track_labs
from sparklab.builds import when_changed
from sparklab.derived_images import image_built, pinned_tag
from sparklab.operations import file_downloaded
from sparklab.owned_units import docker_run, stale_units, unit_owning, units_absent
from sparklab.rag_labs import unit
from sparklab.workload_plan import heavy_units

DEFAULTS = {
    # The playbook's inference ComfyUI (host network): 8188 is the ComfyUI lab's, so it listens here.
    "flux_comfyui_port": 8189,
    # The dataset and workflows copied from the checkout, and ComfyUI's output/.
    "flux_dir": "/var/lib/spark-lab/flux",
    # download.sh's models/ tree (vae/, checkpoints/, text_encoders/) and the trained LoRAs (loras/).
    "flux_models_dir": "/var/lib/spark-lab/flux/models",
    # download.sh's files: path under flux_models_dir -> path under flux_model_base_url.
    "flux_model_base_url": "https://huggingface.co",
    "flux_model_files": {
        "vae/ae.safetensors": "black-forest-labs/FLUX.1-dev/resolve/main/ae.safetensors",
        "checkpoints/flux1-dev.safetensors": "black-forest-labs/FLUX.1-dev/resolve/main/flux1-dev.safetensors",
        "text_encoders/clip_l.safetensors": "comfyanonymous/flux_text_encoders/resolve/main/clip_l.safetensors",
        "text_encoders/t5xxl_fp16.safetensors":
            "comfyanonymous/flux_text_encoders/resolve/main/t5xxl_fp16.safetensors",
    },
    # Path under flux_models_dir -> sha256, checked before a download takes its name (Hugging Face lists each
    # file's; the gated ones are shown only to an account that accepted the licence).
    "flux_model_sha256": {},
    # kohya-ss/sd-scripts' sd3 branch on the playbook's stamp (11/07/2025): "Merge pull request #2226", 2025-10-15.
    "flux_sd_scripts_commit": "a5a162044ca953faabdb07742b4b8925f26096ce",
    # launch_train.sh's flux_train_network.py arguments (its 100 epochs take ~4 hours on a Spark; the README's
    # ~90 minutes is fewer).
    "flux_train_args": [
        "--pretrained_model_name_or_path=models/checkpoints/flux1-dev.safetensors",
        "--clip_l=models/text_encoders/clip_l.safetensors", "--t5xxl=models/text_encoders/t5xxl_fp16.safetensors",
        "--ae=models/vae/ae.safetensors", "--dataset_config=flux_data/data.toml", "--output_dir=models/loras/",
        "--prior_loss_weight=1.0", "--output_name=flux_dreambooth", "--save_model_as=safetensors",
        "--network_module=networks.lora_flux", "--network_dim=256", "--network_alpha=256", "--learning_rate=1.0",
        "--optimizer_type=Prodigy", "--lr_scheduler=cosine_with_restarts", "--gradient_accumulation_steps", "4",
        "--gradient_checkpointing", "--sdpa", "--max_train_epochs=100", "--save_every_n_epochs=25",
        "--mixed_precision=bf16", "--guidance_scale=1.0", "--timestep_sampling=flux_shift",
        "--model_prediction_type=raw", "--torch_compile", "--persistent_data_loader_workers", "--cache_latents",
        "--cache_latents_to_disk", "--cache_text_encoder_outputs", "--cache_text_encoder_outputs_to_disk",
    ],
}
SLUG = "flux-finetuning"
LICENCE = "https://huggingface.co/black-forest-labs/FLUX.1-dev"
# launch_train.sh's accelerate line, before the training script's arguments.
ACCELERATE = ["accelerate", "launch", "--num_processes=1", "--num_machines=1", "--mixed_precision=bf16",
              "--main_process_ip=127.0.0.1", "--main_process_port=29500", "--num_cpu_threads_per_process=2",
              "flux_train_network.py"]
MODEL_DIRS = ("vae", "loras", "checkpoints", "text_encoders")
SD3_CHECKOUT = "git checkout sd3"


def header_file() -> str:
    """The 0600 file holding the HF token as an Authorization header, for curl's `-H @file`."""
    return f"{host_secrets.SECRETS_DIR}/{unit(track_labs.FLUX)}.hf-header"


def _models_mounted(data, inside: str) -> list[str]:
    """The launch scripts' -v of models/{vae,loras,checkpoints,text_encoders}."""
    return [a for d in MODEL_DIRS for a in ("-v", f"{data.flux_models_dir}/{d}:{inside}/models/{d}")]


def _weights(data) -> None:
    for d in MODEL_DIRS:
        files.directory(name=f"FLUX models/{d}", path=f"{data.flux_models_dir}/{d}", mode="755")
    for path, source in data.flux_model_files.items():
        file_downloaded(name=f"FLUX weights {path}", url=f"{data.flux_model_base_url}/{source}",
                        dest=f"{data.flux_models_dir}/{path}", sha256=data.flux_model_sha256.get(path),
                        header_file=header_file())


def _copied(data, assets: str) -> None:
    """flux_data/ and workflows/ copied once from the checkout (a student's edits are kept), output/ made, all the
    lab user's."""
    user, work = data.lab_user, data.flux_dir
    copies = [StringCommand("test -d", QuoteString(f"{work}/{d}"), "|| cp -r", QuoteString(f"{assets}/{d}"),
                            QuoteString(f"{work}/{d}")) for d in ("flux_data", "workflows")]
    when_changed("FLUX dataset and workflows", f"{work}/.spark-lab-copied", knob("playbooks_commit"), [
        StringCommand("mkdir -p", QuoteString(f"{work}/output")), *copies,
        StringCommand("chown -R", QuoteString(f"{user}:{user}"), *[QuoteString(f"{work}/{d}")
                                                                   for d in ("flux_data", "workflows", "output")]),
    ])


def _images(assets: str) -> tuple[str, str]:
    """flux-comfyui from Dockerfile.inference as it is (ComfyUI pinned there), flux-train from Dockerfile.train
    with sd-scripts pinned; their tags."""
    commit, sd_scripts = knob("playbooks_commit"), knob("flux_sd_scripts_commit")
    inference = pinned_tag("flux-comfyui", commit, "Dockerfile.inference")
    train = pinned_tag("flux-train", commit, "Dockerfile.train", sd_scripts)
    image_built(name=f"flux-comfyui image {inference}", tag=inference, context=assets,
                dockerfile=f"{assets}/Dockerfile.inference", buildkit=knob("docker_buildkit"))
    image_built(name=f"flux-train image {train} (sd-scripts {sd_scripts[:12]})", tag=train, context=assets,
                dockerfile=f"{assets}/Dockerfile.train", edit=(SD3_CHECKOUT, f"git checkout {sd_scripts}"),
                buildkit=knob("docker_buildkit"))
    return inference, train


def _units(data, inference: str, train: str) -> None:
    names = {lab: unit(lab) for lab in (track_labs.FLUX_COMFYUI, track_labs.FLUX_TRAIN)}
    # launch_*.sh's flags (finetune_docker_args: --gpus all, --ipc=host, the ulimits) on the host network
    options = [*knob("finetune_docker_args"), "--net=host"]
    comfy, sd_scripts = "/workspace/ComfyUI", "/workspace/sd-scripts"
    port = data.flux_comfyui_port
    unit_owning(
        names[track_labs.FLUX_COMFYUI], description=f"FLUX.1 ComfyUI on port {port} (spark-lab)", boot=False,
        exec_start=docker_run(names[track_labs.FLUX_COMFYUI], inference, [
            *options, *_models_mounted(data, comfy),
            "-v", f"{data.flux_dir}/workflows:{comfy}/user/default/workflows",
            "-v", f"{data.flux_dir}/output:{comfy}/output",
        ], ["python", "main.py", "--listen", knob("stacks_bind_address"), "--port", str(port)]),
        conflicts=[u for u in heavy_units(knob) if u != names[track_labs.FLUX_COMFYUI]])
    unit_owning(
        names[track_labs.FLUX_TRAIN], description="FLUX.1 Dreambooth LoRA training into models/loras (spark-lab)",
        boot=False, restart="no",
        exec_start=docker_run(names[track_labs.FLUX_TRAIN], train, [
            *options, "-v", f"{data.flux_dir}/flux_data:{sd_scripts}/flux_data", *_models_mounted(data, sd_scripts),
        ], [*ACCELERATE, *data.flux_train_args]),
        conflicts=[u for u in heavy_units(knob) if u != names[track_labs.FLUX_TRAIN]])


@deploy("FLUX.1 Dreambooth LoRA", data_defaults=DEFAULTS)
def flux_finetune():
    data = host.data
    if not track_labs.chosen(knob, track_labs.FLUX):  # its weights, images and LoRAs are kept
        units_absent(stale_units(unit("flux-"), []), {unit(track_labs.FLUX_COMFYUI): [header_file()]})
        return
    why = host_secrets.missing("hf_token")
    if why:
        host_secrets.skipped("FLUX.1 Dreambooth LoRA", f"needs secrets.hf_token of an account that accepted the "
                             f"FLUX.1-dev licence at {LICENCE}: {why}")
        return
    host_secrets.put("FLUX Hugging Face header", f"Authorization: Bearer {host_secrets.read('hf_token', 'FLUX')}",
                     dest=header_file())
    _weights(data)
    assets = lab_dir(SLUG)
    _copied(data, assets)
    _units(data, *_images(assets))
