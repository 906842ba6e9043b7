# The simulated lab: two Debian hosts booted with systemd-nspawn on this machine by
# `python -m simlab up` (docs/lab-contract.md, simlab/README.md). Data only.
# For N hosts: `python -m simlab inventory --hosts N > /tmp/sim_lab_N.py` (same group data).
sim_sparks = (
    [
        ("spark-sim-1", {
            "ssh_hostname": "10.99.0.11",
            "qsfp_interfaces": [{"name": "qsfp0", "address": "192.168.100.10/24", "mtu": 9000}],
        }),
        ("spark-sim-2", {
            "ssh_hostname": "10.99.0.12",
            "qsfp_interfaces": [{"name": "qsfp0", "address": "192.168.100.11/24", "mtu": 9000}],
        }),
    ],
    {
        "ssh_user": "root",
        "ssh_key": "/var/lib/sparklab-sim/ssh/id_ed25519",
        "ssh_known_hosts_file": "/var/lib/sparklab-sim/ssh/known_hosts",
        "ssh_strict_host_key_checking": "yes",
        "mgmt_interface": "host0",
        "lab_user": "student",
        "users_authorized_key_files": ["/var/lib/sparklab-sim/ssh/id_ed25519.pub"],
        # Vendor artifacts come from the lab mirror on the management bridge (stand-ins).
        "docker_source": "debian",
        # nvcr.io, ghcr.io and quay.io resolve to the lab registry; Docker Hub names go through its mirror.
        "docker_daemon_options": {"insecure-registries": ["nvcr.io", "ghcr.io", "quay.io", "10.99.0.1:5000"],
                                  "registry-mirrors": ["http://10.99.0.1:5000"]},
        "nvidia_ctk_when": "always",
        "nvidia_ctk_apt_url": "http://10.99.0.1:8080/apt/libnvidia-container/stable/deb/{arch}",
        "nvidia_ctk_apt_key_url": "http://10.99.0.1:8080/apt/libnvidia-container/gpgkey",
        "tailscale_apt_url": "http://10.99.0.1:8080/apt/tailscale",
        "tailscale_apt_key_url": "http://10.99.0.1:8080/apt/tailscale/{codename}.noarmor.gpg",
        "base_pip_args": ["--no-index", "--find-links", "http://10.99.0.1:8080/files/wheels/",
                          "--trusted-host", "10.99.0.1"],
        "ngc_pull_images": ["nvcr.io/nvidia/pytorch:25.11-py3"],
        # The QSFP stand-in: no router advertisements on the lab bridge, so don't wait for them.
        "qsfp_netplan_options": {"accept-ra": False},
        # Host mode on CPU: torch from the mirror's wheelhouse (DeepSpeed runs are rehearsed on one machine).
        # DeepSpeed on CPU JIT-builds its shared-memory comm op (ninja from the venv, g++, Python's headers); on
        # Sparks its CUDA accelerator needs no such build.
        "base_extra_packages": ["g++", "python3-dev"],
        "distributed_pip_packages": ["torch==2.13.0+cpu", "numpy==2.4.6", "nvidia-ml-py==13.615.71",
                                     "deepspeed==0.19.8", "transformers==5.24.0", "peft==0.21.2"],
        "distributed_container_gpus": "",
        # Level 2 on stand-ins: no GPU flags; llama.cpp from its container (no CUDA to build with).
        "engines_gpu_args": [],
        # No memlock ulimit: raising it needs CAP_SYS_RESOURCE, which the lab's VM does not have.
        "engines_docker_args": ["--ipc=host", "--ulimit", "stack=67108864"],
        "engines": {
            "vllm": {"boot": True},
            "trtllm": {},
            "sglang": {},
            "nim": {"port": 8001},
            "llamacpp": {"mode": "container", "port": 30001, "boot": True},
        },
        "ollama_url": "http://10.99.0.1:8080/files/ollama/v{version}/ollama-linux-{arch}.tgz",
        # The stand-in tarball's sha256 (simlab/mirror/ builds it byte for byte; a unit test keeps this in step).
        "ollama_sha256": {"amd64": "24fadbb98adbd9bd2fcffe81ed112996eaafb0f3415a161acca9c32e49f3a1a5"},
        "ollama_models": ["qwen2.5:0.5b"],
        "ollama_continue": True,
        # Level 3: Compose v2 from Debian trixie (the mirror serves Debian's own .deb), stacks without GPUs,
        # txt2kg on the lab's small Ollama model, the chatbot's GGUF stand-ins from the mirror.
        "compose_apt_url": "http://10.99.0.1:8080/apt/debian-compose",
        "compose_apt_key_url": "http://10.99.0.1:8080/apt/debian-compose/key.asc",
        "stacks_gpus": False,
        "txt2kg_model": "qwen2.5:0.5b",
        "chatbot_model_base_url": "http://10.99.0.1:8080/files/huggingface",
        # The stand-ins' sha256 (simlab.mirror.catalog.GGUF_FILES; a unit test keeps them in step).
        "chatbot_model_sha256": {
            "deepseek-coder-6.7b-instruct.Q8_0.gguf":
                "f456dd2385389ba7327b92839361b9f9e18d5083afe1867c6f3c5c4917018b1d",
            "Qwen3-Embedding-4B-Q8_0.gguf": "ab21c078f0973d8a0923db3e4b94590be9d87bf75c94a9a828c50a051de82401",
            "gpt-oss-120b-mxfp4-00001-of-00003.gguf":
                "9c186931e72964c12d64166a85ef89b5eb82d9d560a66029c6c755e3988d9d35",
            "gpt-oss-120b-mxfp4-00002-of-00003.gguf":
                "37ec4f68ece4a1d28562b5e17db14464fb53ce3deb38145361782f56a9571fbb",
            "gpt-oss-120b-mxfp4-00003-of-00003.gguf":
                "82871f1457d6668157cc051f75b28208d3dce2f73b14f33d57867389693b39dc",
            "gpt-oss-20b-mxfp4.gguf": "4ed8bb903c2afd136e5c0cd34704961fe443a75bb7d21fe99b816926e25c649c",
        },
        # BuildKit in bookworm's docker.io fetches base images over HTTPS only; the lab registry speaks HTTP.
        "docker_buildkit": False,
        # Level 3: stand-ins of the playbooks' git repos on the lab mirror (simlab/standins/), pinned by commit
        # (simlab/mirror/ builds them byte for byte; a unit test keeps these in step).
        "playbooks_repo_url": "http://10.99.0.1:8080/git/NVIDIA/dgx-spark-playbooks.git",
        "playbooks_commit": "fe9ca7b1e40bf2844afd4ab55b99d612003669c7",
        "agentic_rag_repo_url": "http://10.99.0.1:8080/git/NVIDIA/workbench-example-agentic-rag.git",
        "agentic_rag_commit": "20c3c42fce642e39a52563bb75ef3cc87936d20a",
        # Level 4: the stand-in Hugging Face Hub on the lab mirror (simlab.hf_hub). It sends no Xet headers, so the
        # clients download over plain HTTP anyway; the `hf` CLI's check for a newer release on pypi.org would wait
        # on DNS, and telemetry has nowhere to go.
        # Level 4 on CPU: the environments take the wheelhouse's versions (one resolution: transformers 5.24) over
        # the CPU PyTorch stand-in image; Unsloth's --no-deps pins are the roles' own; the tiny models and datasets
        # of the stand-in Hub.
        "finetune_docker_args": ["--ipc=host", "--ulimit", "stack=67108864"],
        "pytorch_finetune_pip": ["transformers==5.24.0", "peft==0.21.2", "datasets==5.2.0"],
        "unsloth_pip": ["transformers==5.24.0", "peft==0.21.2", "datasets==5.2.0"],
        "hf_models": ["nvidia-lab/Llama-3.2-tiny-Instruct",
                      {"repo": "meta-llama-lab/Llama-3.2-tiny-Instruct", "gated": True}],
        "hf_datasets": ["nvidia-lab/alpaca-tiny", "nvidia-lab/OIG-tiny"],
        # The short LoRA check on the tiny model: a learning rate that moves its random weights within 20 steps.
        "finetune_check_model": "nvidia-lab/Llama-3.2-tiny-Instruct",
        "finetune_check_dataset": "nvidia-lab/alpaca-tiny",
        "finetune_check_template": "llama3",
        "finetune_check_lr": 1e-2,
        # LLaMA Factory: the real v0.9.5 source, served by the mirror from its PyPI sdist (simlab/mirror/ builds the
        # repo byte for byte; a unit test keeps this pin in step), and its own wheel set (one pip resolution apart
        # from files/wheels/: PyPI's torch 2.11 trio, a CUDA build that runs on CPU, transformers 5.6, gradio...).
        # No --index-url: the trio is in that wheelhouse. --no-cache-dir: ~3 GB of wheels not kept twice per host;
        # pip stages them in /var/tmp (disk): the hosts' /tmp is nspawn's 2.4 GB tmpfs.
        "llama_factory_repo_url": "http://10.99.0.1:8080/git/hiyouga/LLaMA-Factory.git",
        "llama_factory_commit": "6ef619e9199e83e939d986a0988a7b122d62b2b2",
        "llama_factory_torch_index": "",
        "llama_factory_pip_args": ["--no-cache-dir", "--no-index", "--find-links",
                                   "http://10.99.0.1:8080/files/wheels-llama-factory/", "--trusted-host", "10.99.0.1"],
        "llama_factory_tmpdir": "/var/tmp",
        # Level 5, JAX (roles/jax_lab.py): no GPU flags and no memlock ulimit (as for level 4); the stand-in base and
        # uv images by tag (the lab registry's digests are its own). Isaac needs a GPU: the lab's hosts skip it.
        "jax_docker_args": ["--shm-size=1g", "--ulimit", "stack=67108864"],
        "jax_base_digest": None,
        "jax_uv_digest": None,
        # Level 5, data science: Miniforge's installer stand-in from the mirror (its conda makes venvs with pandas,
        # scikit-learn and stand-in cudf/cuml from files/wheels-rapids/), pinned by its sha256 (simlab/mirror/ builds
        # it byte for byte; a unit test keeps this in step). The RAPIDS notebooks image is a stand-in with real
        # JupyterLab: no GPU, no memlock (CAP_SYS_RESOURCE); uv and the labs' packages from files/wheels-rapids/;
        # the stand-in image has no mamba, so single-cell's `mamba install compilers` is left out.
        "rapids_miniforge_url": "http://10.99.0.1:8080/files/miniforge/{version}/Miniforge3-{version}-Linux-{arch}.sh",
        "rapids_miniforge_sha256": {"x86_64": "bce2fd68f61edbae8c8d144e51294563225dba0dd03d382cfdc13ffaad4f7991"},
        "rapids_notebooks_docker_args": ["--shm-size=1g", "--ulimit", "stack=67108864"],
        "rapids_notebooks_pip_args": ["--no-index", "--find-links", "http://10.99.0.1:8080/files/wheels-rapids/",
                                      "--trusted-host", "10.99.0.1"],
        "rapids_notebooks_uv_args": ["--no-index", "--find-links", "http://10.99.0.1:8080/files/wheels-rapids/"],
        "single_cell_conda_packages": [],
        "hf_endpoint": "http://10.99.0.1:8081",
        "hf_env": {"HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_UPDATE_CHECK": "1", "HF_HUB_DISABLE_XET": "1"},
        # Level 5: a class taking two tracks. FLUX training, TensorRT engines and VSS need a GPU (and gated weights
        # or NGC's blueprint images): they stay off in the lab, covered by plan tests (docs/simulation-gaps.md).
        "level5_tracks": ["image_generation", "jax"],
        "level5_labs": {"flux-finetune": False, "tensorrt-t2i": False, "vss": False},
        # ComfyUI: the stand-in repo on the lab mirror (simlab/standins/comfyui/, pinned by commit; a unit test keeps
        # it in step), a real venv with the wheelhouse's CPU torch (no PyTorch index), the SD1.5 stand-in checkpoint
        # pinned by its sha256 (simlab.mirror.catalog.SAFETENSORS_FILES), and no GPU (--cpu).
        "comfyui_repo_url": "http://10.99.0.1:8080/git/comfyanonymous/ComfyUI.git",
        "comfyui_commit": "1279cab2c2d02b3330cfe063e0ae6842ebb2b0bd",
        "comfyui_torch_index": "",
        "comfyui_torch_packages": ["torch==2.13.0+cpu"],
        "comfyui_checkpoint_url": "http://10.99.0.1:8080/files/huggingface/Comfy-Org/stable-diffusion-v1-5-archive/"
                                  "resolve/main/v1-5-pruned-emaonly-fp16.safetensors",
        "comfyui_checkpoint_sha256": "5d961f999503ab86549c63b65f72fd461ec960a10a75b54a76ed081775bdb2de",
        "comfyui_args": ["--cpu"],
        # Level 5, multi-modal track (when a class takes it): Live VLM WebUI is the real app (pipx, from the
        # wheelhouse) on the stand-in Ollama, which pulls gemma3:4b like any name; OpenCV's libraries by their
        # bookworm names.
        "live_vlm_apt_packages": ["libgl1", "libglib2.0-0", "libsm6", "libice6", "libx11-6", "libxext6", "libxcb1"],
        "secrets": {
            "ngc_api_key": {"env": "NGC_API_KEY"},
            "tailscale_auth_key": {"env": "TS_AUTHKEY"},
            "hf_token": {"env": "HF_TOKEN"},
            "jupyterlab_token": {"file": "/var/lib/sparklab-sim/secrets/jupyterlab_token"},
            "nvidia_api_key": {"env": "NVIDIA_API_KEY"},
            "tavily_api_key": {"env": "TAVILY_API_KEY"},
        },
    },
)
