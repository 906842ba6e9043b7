"""Lab 3.2, Text to Knowledge Graph (txt2kg): the playbook's compose stack (ArangoDB, Ollama and the Next.js app on
3001, levels-3-5.md §3.2) as the on-demand unit `lab-txt2kg`.

**Which Ollama.** The playbook's stack brings its own Ollama container on 11434, the port of level 2's Ollama, so
the two cannot run together, and it keeps a second copy of `llama3.1:8b` in a volume. By default (`txt2kg_ollama:
host`) the app uses level 2's Ollama instead: one model store, one copy of the model, and the lab starts without
stopping anything. `bundled` keeps the playbook's container, published on `txt2kg_bundled_ollama_port`.
**`--vllm`** (`txt2kg_variant: vllm`): Neo4j and a 49B FP8 model in vLLM, a heavy workload.
"""

from pyinfra import host
from pyinfra.api import deploy

from roles import knob
from roles.playbooks_source import lab_dir
from sparklab import host_secrets
from sparklab.compose_stacks import STACKS_DIR, Stack, compose_stack, override, reset
from sparklab.engine_instances import ollama_port
from sparklab.operations import ollama_models_pulled
from sparklab.owned_units import stale_units, units_absent
from sparklab.rag_labs import TXT2KG, txt2kg_uses_host_ollama, unit
from sparklab.workload_plan import heavy_units

DEFAULTS = {
    "txt2kg_enabled": True,
    # Started at boot (it is light with the host Ollama); False: on demand (python -m sparklab.labs start txt2kg).
    "txt2kg_boot": False,
    # "ollama": ArangoDB + Ollama (the playbook's default); "vllm": Neo4j + vLLM (`./start.sh --vllm`, heavy).
    "txt2kg_variant": "ollama",
    # "host": level 2's Ollama (pulled there); "bundled": the playbook's own Ollama container.
    "txt2kg_ollama": "host",
    "txt2kg_model": "llama3.1:8b",
    "txt2kg_port": 3001,
    "txt2kg_arangodb_port": 8529,
    "txt2kg_bundled_ollama_port": 11435,
    "txt2kg_neo4j_ports": [7474, 7687],
    "txt2kg_vllm_port": 8001,
    "txt2kg_vllm_model": "nvidia/Llama-3_3-Nemotron-Super-49B-v1_5-FP8",
}
COMPOSE_DIR = "deploy/compose"


def _published(port: int, inside: int) -> list[str]:
    return [f"{knob('stacks_bind_address')}:{port}:{inside}"]


def _override(data) -> dict:
    services: dict = {"app": {"ports": override(_published(data.txt2kg_port, 3000)),
                              "environment": {"NVIDIA_API_KEY": "${NVIDIA_API_KEY:-}"}}}
    if data.txt2kg_variant == "vllm":
        http, bolt = data.txt2kg_neo4j_ports
        services["neo4j"] = {"ports": override([*_published(http, 7474), *_published(bolt, 7687)])}
        services["vllm"] = {"ports": override(_published(data.txt2kg_vllm_port, 8001)),
                            # level 2's Hugging Face cache: one model store for every engine
                            "volumes": [f"{knob('engines_hf_cache')}:/root/.cache/huggingface"]}
        services["app"]["environment"]["VLLM_MODEL"] = data.txt2kg_vllm_model
        services["vllm"]["environment"] = {"VLLM_MODEL": data.txt2kg_vllm_model}
        gpu_services = ["vllm"]
    else:
        services["arangodb"] = {"ports": override(_published(data.txt2kg_arangodb_port, 8529))}
        services["app"]["environment"]["OLLAMA_MODEL"] = data.txt2kg_model
        if txt2kg_uses_host_ollama(knob):
            services["ollama"] = {"profiles": ["bundled-ollama"]}  # never started
            services["app"]["depends_on"] = override({"arangodb": {"condition": "service_started"}})
            services["app"]["environment"]["OLLAMA_BASE_URL"] = f"http://host.docker.internal:{ollama_port(knob)}/v1"
            services["app"]["extra_hosts"] = ["host.docker.internal:host-gateway"]
            gpu_services = []
        else:
            services["ollama"] = {"ports": override(_published(data.txt2kg_bundled_ollama_port, 11434))}
            gpu_services = ["ollama"]
    if not knob("stacks_gpus"):
        for name in gpu_services:
            services[name]["deploy"] = reset({})
    return {"services": services}


@deploy("txt2kg", data_defaults=DEFAULTS)
def txt2kg():
    data = host.data
    name = unit(TXT2KG)
    env_path = f"{host_secrets.SECRETS_DIR}/{name}.env"
    if not data.txt2kg_enabled:  # its images and volumes (the graphs) are kept
        units_absent(stale_units(name, []), {name: [f"{STACKS_DIR}/{name}/", env_path]})
        return
    if txt2kg_uses_host_ollama(knob):
        ollama_models_pulled(name=f"txt2kg model {data.txt2kg_model} in Ollama", models=[data.txt2kg_model],
                             port=ollama_port(knob))
    # NVIDIA_API_KEY is optional (cloud models in the UI): passed when the inventory has it.
    key = host_secrets.optional("nvidia_api_key")
    env_op = host_secrets.put(name, f"NVIDIA_API_KEY={key}" if key else "", dest=env_path)
    variant = "docker-compose.vllm.yml" if data.txt2kg_variant == "vllm" else "docker-compose.yml"
    stack = Stack(name, TXT2KG, (f"{lab_dir('txt2kg')}/{COMPOSE_DIR}/{variant}",))
    heavy = data.txt2kg_variant == "vllm"
    compose_stack(stack, description=f"txt2kg ({data.txt2kg_variant}) on port {data.txt2kg_port} (spark-lab)",
                  override_doc=_override(data), boot=data.txt2kg_boot, pins=knob("playbooks_commit"),
                  buildkit=knob("docker_buildkit"),
                  conflicts=[u for u in heavy_units(knob) if u != name] if heavy else [], env_file=env_path,
                  restart_when=[env_op])
