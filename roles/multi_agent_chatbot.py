"""Lab 3.3, the multi-agent chatbot: the playbook's two compose files (UI, backend, Postgres, Milvus, and the
llama.cpp and TensorRT-LLM model servers; levels-3-5.md §3.3) as the on-demand unit `lab-chatbot`.

It needs about 114 of the 128 GB, so it is a heavy workload: starting it stops vLLM or any other heavy one.
Better than the playbook:
- the GGUF models (~74 GB) are downloaded resumably into `chatbot_models_dir`, outside the read-only checkout,
  verified against `chatbot_model_sha256` where given, and mounted read-only;
- the backend is published on `chatbot_backend_port` (8000 is vLLM's): the UI's websocket, hard-coded to
  localhost:8000, reaches it through `ssh -L 8000:localhost:<port>` (python -m sparklab.labs prints the line);
- the backend's and frontend's source bind mounts (a dev setup, and `/frontend` is an absolute path) are dropped:
  the images built from the pinned checkout run as built;
- Postgres, Milvus and the UIs publish on `stacks_bind_address` (loopback) only.
The playbook's documented switch to the gpt-oss-20b supervisor is `chatbot_supervisor: gpt-oss-20b`.
"""

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.operations import files

from roles import knob
from roles.playbooks_source import lab_dir
from sparklab.compose_stacks import STACKS_DIR, Stack, compose_stack, override, reset
from sparklab.operations import file_downloaded
from sparklab.owned_units import stale_units, units_absent
from sparklab.rag_labs import CHATBOT, chatbot_models, unit
from sparklab.workload_plan import heavy_units

DEFAULTS = {
    "chatbot_enabled": True,
    # Heavy (~114 GB): on demand. At most one heavy workload of a host may start at boot.
    "chatbot_boot": False,
    # The supervisor agent's model: "gpt-oss-120b" (the playbook's default) or "gpt-oss-20b" (its documented
    # switch for less memory; NVIDIA/dgx-spark-playbooks#11 reports the backend failing with it).
    "chatbot_supervisor": "gpt-oss-120b",
    "chatbot_ui_port": 3000,
    "chatbot_backend_port": 8100,
    "chatbot_postgres_port": 5432,
    "chatbot_milvus_port": 19530,
    "chatbot_milvus_health_port": 9091,
    "chatbot_models_dir": "/var/lib/spark-lab/chatbot/models",
    # Milvus's etcd, MinIO and data directories (the compose files' ${DOCKER_VOLUME_DIRECTORY}/volumes).
    "chatbot_volumes_dir": "/var/lib/spark-lab/chatbot",
    # model_download.sh's files, as paths under chatbot_model_base_url, per model server.
    "chatbot_model_base_url": "https://huggingface.co",
    "chatbot_model_files": {
        "deepseek-coder": ["TheBloke/deepseek-coder-6.7B-instruct-GGUF/resolve/main/"
                           "deepseek-coder-6.7b-instruct.Q8_0.gguf"],
        "qwen3-embedding": ["Qwen/Qwen3-Embedding-4B-GGUF/resolve/main/Qwen3-Embedding-4B-Q8_0.gguf"],
        "gpt-oss-120b": [f"ggml-org/gpt-oss-120b-GGUF/resolve/main/gpt-oss-120b-mxfp4-0000{i}-of-00003.gguf"
                         for i in (1, 2, 3)],
        "gpt-oss-20b": ["ggml-org/gpt-oss-20b-GGUF/resolve/main/gpt-oss-20b-mxfp4.gguf"],
    },
    # File name -> sha256, checked before a downloaded file takes its name (Hugging Face shows each file's).
    "chatbot_model_sha256": {},
}
# The supervisor's llama-server arguments, from docker-compose-models.yml (gpt-oss-20b: its commented-out block).
SUPERVISOR_ARGS = {
    "gpt-oss-120b": ["-m", "/models/gpt-oss-120b-mxfp4-00001-of-00003.gguf", "--port", "8000", "--host", "0.0.0.0",
                     "-n", "65536", "--n-gpu-layers", "70", "--jinja"],
    "gpt-oss-20b": ["-m", "/models/gpt-oss-20b-mxfp4.gguf", "--port", "8000", "--host", "0.0.0.0",
                    "-n", "2048", "--n-gpu-layers", "999", "--jinja"],
}
LLAMACPP_IMAGE = "local/llama.cpp:server-cuda"


def _published(port: int, inside: int) -> str:
    return f"{knob('stacks_bind_address')}:{port}:{inside}"


def _override(data, assets: str) -> dict:
    models = f"{data.chatbot_models_dir}:/models:ro"
    supervisor = data.chatbot_supervisor
    services: dict = {
        "backend": {"ports": override([_published(data.chatbot_backend_port, 8000)]), "volumes": reset([]),
                    "environment": {"MODELS": supervisor}},
        "frontend": {"ports": override([_published(data.chatbot_ui_port, 3000)]), "volumes": reset([])},
        "postgres": {"ports": override([_published(data.chatbot_postgres_port, 5432)])},
        "milvus": {"ports": override([_published(data.chatbot_milvus_port, 19530),
                                      _published(data.chatbot_milvus_health_port, 9091)])},
        "qwen3-embedding": {"volumes": override([models])},
        "deepseek-coder": {"volumes": override([models])},
    }
    # The compose files' ${DOCKER_VOLUME_DIRECTORY:-.}/volumes would land in the read-only checkout.
    for service, path in (("etcd", "etcd:/etcd"), ("minio", "minio:/minio_data"), ("milvus", "milvus:/var/lib/milvus")):
        services.setdefault(service, {})["volumes"] = override([f"{data.chatbot_volumes_dir}/volumes/{path}"])
    if supervisor == "gpt-oss-120b":
        services[supervisor] = {"volumes": override([models])}
    else:  # the compose file's commented-out block, as a service
        services["gpt-oss-120b"] = {"profiles": ["gpt-oss-120b"]}
        services[supervisor] = {
            "build": {"context": assets, "dockerfile": "Dockerfile.llamacpp"}, "image": LLAMACPP_IMAGE,
            "container_name": supervisor, "volumes": [models], "command": SUPERVISOR_ARGS[supervisor]}
        if knob("stacks_gpus"):
            services[supervisor]["deploy"] = {"resources": {"reservations": {"devices": [
                {"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}]}}}
    if not knob("stacks_gpus"):
        for name in ("qwen2.5-vl", "qwen3-embedding", "deepseek-coder", "gpt-oss-120b"):
            services.setdefault(name, {})["deploy"] = reset({})
    return {"services": services}


@deploy("Multi-agent chatbot", data_defaults=DEFAULTS)
def multi_agent_chatbot():
    data = host.data
    name = unit(CHATBOT)
    if not data.chatbot_enabled:  # its models, images and data directories are kept
        units_absent(stale_units(name, []), {name: [f"{STACKS_DIR}/{name}/"]})
        return
    files.directory(name="chatbot models directory", path=data.chatbot_models_dir, mode="755")
    for path in chatbot_models(knob):
        filename = path.rsplit("/", 1)[-1]
        file_downloaded(name=f"chatbot model {filename}", url=f"{data.chatbot_model_base_url}/{path}",
                        dest=f"{data.chatbot_models_dir}/{filename}", sha256=data.chatbot_model_sha256.get(filename))
    assets = lab_dir("multi-agent-chatbot")
    stack = Stack(name, "multi-agent-chatbot", (f"{assets}/docker-compose.yml", f"{assets}/docker-compose-models.yml"))
    compose_stack(stack, description=f"multi-agent chatbot ({data.chatbot_supervisor}) on port "
                  f"{data.chatbot_ui_port} (spark-lab)", override_doc=_override(data, assets),
                  boot=data.chatbot_boot, pins=knob("playbooks_commit"), buildkit=knob("docker_buildkit"),
                  conflicts=[u for u in heavy_units(knob) if u != name])
