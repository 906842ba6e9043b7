"""Inference engines — vLLM, TensorRT-LLM, SGLang, NIM, llama.cpp — each a systemd unit `engine-NAME`
that owns its container (`docker run --rm` in the foreground), started the way NVIDIA's playbooks
start it.

The unit (sparklab.owned_units) is the container's whole spec, so a changed image, model or argument
restarts exactly that engine; an engine taken out of the data loses its unit. Memory policy for 128 GB
of unified memory: at most one heavy engine starts at boot (checked before
connecting); heavy units conflict with each other, so starting one on demand stops the other.
Secrets reach the container through a 0600 env file, never a command line. The HF token is passed
when the inventory has one and is required only for a gated model (``gated: True``).
"""

from io import StringIO

from pyinfra import host
from pyinfra.api import QuoteString, StringCommand, deploy
from pyinfra.api.exceptions import DeployError
from pyinfra.operations import apt, files

from roles import knob
from roles.users import home
from sparklab import host_secrets
from sparklab.builds import pinned_build
from sparklab.engine_instances import CONFIG_MOUNT, UNIT_PREFIX, Instance, env_secrets, instances_of, skip_reason
from sparklab.facts import NvidiaGpus, static_fact
from sparklab.operations import image_pulled
from sparklab.owned_units import docker_run, stale_units, unit_owning, units_absent
from sparklab.workload_plan import heavy_units

_SERVE = ["--host", "0.0.0.0", "--port", "{port}"]

DEFAULTS = {
    # Engines installed on this host: instance name -> settings over its engine's catalog entry and
    # its profile. A name from the catalog is that engine; any other name needs "engine" or "profile".
    #   {"vllm": {"boot": True}, "trtllm": {"profile": "eagle3-gpt-oss-120b"}, "llamacpp": {"port": 30001}}
    "engines": {},
    # How each engine runs, after the playbooks (dgx-spark-playbooks §2.3–2.7). {model}, {served_model},
    # {port} and {config} (where `files` are mounted) are filled in per instance.
    "engine_catalog": {
        "vllm": {
            "image": "nvcr.io/nvidia/vllm:26.05.post1-py3",
            "command": ["vllm", "serve", "{model}", *_SERVE],
            "model": "openai/gpt-oss-20b", "port": 8000, "health": "/health",
        },
        "trtllm": {
            "image": "nvcr.io/nvidia/tensorrt-llm/release:1.3.0rc13",
            "command": ["trtllm-serve", "{model}", *_SERVE, "--max_batch_size", "64", "--trust_remote_code",
                        "--extra_llm_api_options", "{config}/extra-llm-api-config.yml"],
            "files": {"extra-llm-api-config.yml": (
                "print_iter_log: false\nkv_cache_config:\n  dtype: \"auto\"\n  free_gpu_memory_fraction: 0.9\n"
                "cuda_graph_config:\n  enable_padding: true\ndisable_overlap_scheduler: true\n")},
            # Llama 3.1's licence must be accepted on Hugging Face: without secrets.hf_token this engine is
            # skipped (with a warning); the others download public models and run without the token.
            "model": "nvidia/Llama-3.1-8B-Instruct-FP4", "gated": True, "port": 8355, "health": "/health",
        },
        "sglang": {
            "image": "lmsysorg/sglang:latest-cu130",
            "command": ["python3", "-m", "sglang.launch_server", "--model-path", "{model}", *_SERVE,
                        "--trust-remote-code", "--tp", "1", "--attention-backend", "flashinfer",
                        "--mem-fraction-static", "0.75"],
            "model": "deepseek-ai/DeepSeek-V2-Lite", "port": 30000, "health": "/health",
        },
        "nim": {
            # The image's own command serves the one model it was built for.
            "image": "nvcr.io/nim/meta/llama-3.1-8b-instruct-dgx-spark:latest",
            "model": "meta/llama-3.1-8b-instruct", "port": 8000, "env": {"NIM_SERVER_PORT": "{port}"},
            "docker_args": ["--shm-size=16GB"],
            "volumes": ["/var/lib/spark-lab/nim/cache:/opt/nim/.cache",
                        "/var/lib/spark-lab/nim/workspace:/opt/nim/workspace"],
            "secrets": {"NGC_API_KEY": "ngc_api_key"}, "health": "/v1/health/ready",
        },
        "llamacpp": {
            # "build": llama-server built on the host (the playbook); "container": the image below,
            # whose entrypoint is llama-server. The command is llama-server's arguments.
            "mode": "build",
            "image": "ghcr.io/ggml-org/llama.cpp:server-cuda",
            # --alias: /v1/models lists this name rather than the downloaded file's path.
            "command": ["-hf", "{model}", "--alias", "{served_model}", *_SERVE],
            "model": "unsloth/Qwen3.6-35B-A3B-MTP-GGUF:UD-Q4_K_XL", "port": 30000,
            "health": "/health",
        },
    },
    # The curriculum's labs as data: an instance with "profile" takes these settings.
    "engine_profiles": {
        # §2.9 Speculative decoding, EAGLE-3 on gpt-oss-120b (single Spark).
        "eagle3-gpt-oss-120b": {
            "engine": "trtllm",
            "image": "nvcr.io/nvidia/tensorrt-llm/release:1.3.0rc12",
            "model": "openai/gpt-oss-120b", "gated": False,
            "env": {"TIKTOKEN_ENCODINGS_BASE": "/root/.cache/huggingface/harmony-reqs"},
            # As the playbook: the draft model and gpt-oss's harmony tokenizer files first, then serve.
            "command": ["bash", "-c", (
                        "hf download nvidia/gpt-oss-120b-Eagle3-long-context"
                        " --local-dir /root/.cache/huggingface/eagle3/gpt-oss-120b-Eagle3"
                        " && mkdir -p $TIKTOKEN_ENCODINGS_BASE && for f in o200k_base cl100k_base; do"
                        " [ -s $TIKTOKEN_ENCODINGS_BASE/$f.tiktoken ] || wget -q -P $TIKTOKEN_ENCODINGS_BASE"
                        " https://openaipublic.blob.core.windows.net/encodings/$f.tiktoken; done"
                        " && exec trtllm-serve {model} --host 0.0.0.0 --port {port} --backend pytorch"
                        " --tp_size 1 --max_batch_size 1 --extra_llm_api_options {config}/extra-llm-api-config.yml")],
            "files": {"extra-llm-api-config.yml": (
                "enable_attention_dp: false\ndisable_overlap_scheduler: false\nenable_autotuner: false\n"
                "cuda_graph_config:\n    max_batch_size: 1\nspeculative_config:\n    decoding_type: Eagle\n"
                "    max_draft_len: 5\n"
                "    speculative_model_dir: /root/.cache/huggingface/eagle3/gpt-oss-120b-Eagle3/\n"
                "kv_cache_config:\n    free_gpu_memory_fraction: 0.9\n    enable_block_reuse: false\n")},
        },
        # §2.10 NVFP4: Qwen3.6-35B-A3B in NVFP4 served by NGC vLLM with the playbook's flags.
        "nvfp4-qwen3.6": {
            "engine": "vllm",
            "model": "nvidia/Qwen3.6-35B-A3B-NVFP4",
            "served_model": "qwen3.6-35b-a3b",
            "args": ["--served-model-name", "{served_model}", "--tensor-parallel-size", "1", "--trust-remote-code",
                     "--kv-cache-dtype", "fp8", "--gpu-memory-utilization", "0.4", "--max-model-len", "262144",
                     "--max-num-seqs", "4", "--max-num-batched-tokens", "8192", "--enable-chunked-prefill",
                     "--enable-prefix-caching", "--reasoning-parser", "qwen3"],
        },
        # §2.7 llama.cpp with MTP speculative decoding.
        "llamacpp-mtp": {
            "engine": "llamacpp",
            "args": ["--chat-template-kwargs", '{"preserve_thinking": true}', "--spec-type", "draft-mtp",
                     "--spec-draft-n-max", "3"],
        },
    },
    # Engine types that take most of the 128 GB: at most one of them starts at boot.
    "engines_heavy": ["vllm", "trtllm", "sglang", "nim"],
    # GPU access for every engine container (the simulated lab sets []).
    "engines_gpu_args": ["--gpus", "all"],
    # The playbooks' run flags for engine containers.
    "engines_docker_args": ["--ipc=host", "--ulimit", "memlock=-1", "--ulimit", "stack=67108864"],
    # Hugging Face cache shared by the engine containers (mounted at /root/.cache/huggingface).
    "engines_hf_cache": "/var/lib/spark-lab/huggingface",
    # Per-instance files (`files`), mounted read-only at /etc/spark-lab/engine.
    "engines_config_dir": "/etc/spark-lab/engines",
    # llama.cpp "build" mode: the playbook's packages, source and CMake flags (CUDA arch 121).
    "llamacpp_repo_url": "https://github.com/ggml-org/llama.cpp.git",
    "llamacpp_version": "b9840",  # mid-2026, after the playbook's MTP recipe (06/2026)
    "llamacpp_dir": "/opt/llama.cpp",
    "llamacpp_build_packages": ["git", "clang", "cmake", "libcurl4-openssl-dev", "libssl-dev"],
    "llamacpp_cmake_args": ["-DGGML_NATIVE=ON", "-DGGML_CUDA=ON", "-DGGML_CURL=ON", "-DGGML_RPC=ON",
                            "-DCMAKE_CUDA_ARCHITECTURES=121a-real"],
}



def _env_file(instance: Instance) -> tuple[str, object]:
    """The instance's secrets in a 0600 env file (empty when it needs none): (its path, the operation)."""
    lines = [f"{var}={host_secrets.read(secret, f'engine {instance.name}')}"
             for var, secret in sorted(env_secrets(instance, lambda name: host_secrets.missing(name) is None).items())]
    path = f"{host_secrets.SECRETS_DIR}/{instance.unit}.env"
    return path, host_secrets.put(instance.unit, "\n".join(lines), dest=path)


def _docker_options(data, instance: Instance, env_file: str, config_dir: str | None) -> list[str]:
    spec = instance.spec
    options = [*data.engines_gpu_args, *data.engines_docker_args, *spec.docker_args, "-p", f"{spec.port}:{spec.port}",
               "-v", f"{data.engines_hf_cache}:/root/.cache/huggingface", "--env-file", env_file]
    for volume in spec.volumes:
        options += ["-v", volume]
    if config_dir:
        options += ["-v", f"{config_dir}:{CONFIG_MOUNT}:ro"]
    for key, value in sorted(instance.env.items()):
        options += ["-e", f"{key}={value}"]
    return options


def _build_llamacpp(data) -> str:
    """llama-server built at the pinned tag for CUDA arch 121 (the playbook's flags); its path."""
    apt.packages(name="llama.cpp build packages", packages=data.llamacpp_build_packages)
    source, build = QuoteString(data.llamacpp_dir), QuoteString(f"{data.llamacpp_dir}/build")
    pinned_build("llama.cpp", data.llamacpp_dir, f"{data.llamacpp_version} {' '.join(data.llamacpp_cmake_args)}", [
        StringCommand("git clone --depth 1 -b", QuoteString(data.llamacpp_version),
                      QuoteString(data.llamacpp_repo_url), source),
        # nvcc is not on root's PATH on DGX OS (the playbook's troubleshooting).
        StringCommand("PATH=/usr/local/cuda/bin:$PATH cmake -S", source, "-B", build,
                      *[QuoteString(a) for a in data.llamacpp_cmake_args]),
        StringCommand("cmake --build", build, "--config Release --target llama-server -j"),
    ])
    return f"{data.llamacpp_dir}/build/bin/llama-server"


def _config_files(data, instance: Instance) -> tuple[str | None, list]:
    """The instance's `files` in its config directory: (the directory or None, their operations)."""
    if not instance.spec.files:
        return None, []
    config_dir = f"{data.engines_config_dir}/{instance.name}"
    files.directory(name=f"{instance.unit} config directory", path=config_dir, mode="755")
    return config_dir, [files.put(name=f"{instance.unit} {filename}", src=StringIO(text),
                                  dest=f"{config_dir}/{filename}", mode="644")
                        for filename, text in sorted(instance.spec.files.items())]


def _engine(data, instance: Instance, conflicts: list[str]) -> None:
    """One instance: its env file, files, image or build, unit, and service state. Skipped whole, with
    a warning, when it needs a secret the inventory lacks or a GPU to build for."""
    spec = instance.spec
    why = skip_reason(instance, host_secrets.missing, bool(static_fact(NvidiaGpus)))
    if why is not None:
        host_secrets.skipped(f"engine {instance.name}", why)
        return
    env_path, env_op = _env_file(instance)
    config_dir, file_ops = _config_files(data, instance)
    native = spec.mode == "build"
    if native:
        exec_start = [_build_llamacpp(data), *instance.argv]
    else:
        for volume in spec.volumes:
            files.directory(name=f"{instance.unit} volume {volume.split(':')[0]}", path=volume.split(":")[0])
        image_pulled(name=f"{instance.unit} image {spec.image}", image=spec.image)
        exec_start = docker_run(instance.unit, spec.image, _docker_options(data, instance, env_path, config_dir),
                                instance.argv)
    unit_owning(
        instance.unit, description=f"{spec.engine} serving {instance.served_model} on port {spec.port} (spark-lab)",
        exec_start=exec_start, boot=spec.boot, kind="native" if native else "container", conflicts=conflicts,
        restart_when=(env_op, *file_ops), service_user=data.lab_user if native else None,
        working_directory=home() if native else None, env_file=env_path if native else None,
    )


@deploy("Inference engines", data_defaults=DEFAULTS)
def inference_engines():
    data = host.data
    try:
        instances = instances_of(knob)
    except ValueError as error:  # the inventory check catches this first; deploys on raw data still stop here
        raise DeployError(f"{host.name}: {error}") from None
    # Absent means absent: an engine taken out of the data, or disabled, loses its unit and files.
    stale = stale_units(UNIT_PREFIX, [i.unit for i in instances])
    units_absent(stale, {unit: [f"{host_secrets.SECRETS_DIR}/{unit}.env",
                                f"{data.engines_config_dir}/{unit.removeprefix(UNIT_PREFIX)}/"] for unit in stale})
    if not instances:
        return
    files.directory(name="Hugging Face cache", path=data.engines_hf_cache, mode="755")
    heavy = heavy_units(knob)  # every heavy workload of the host: engines and lab stacks
    for instance in instances:
        _engine(data, instance, [u for u in heavy if u != instance.unit] if instance.heavy else [])
