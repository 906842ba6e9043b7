"""Level 3's labs as workloads: what each publishes, how heavy it is and which routes say it is up, from the
role knobs (roles.txt2kg, roles.multi_agent_chatbot, roles.agentic_rag). levels-3-5.md §3.1–3.3 has the facts.

Kept apart from the roles so that the inventory check, the `labs` command and the checkpoint read the same plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sparklab.workloads import Route, Workload

Setting = Callable[[str], Any]

# Units of the level-3 labs: `lab-NAME`.
UNIT_PREFIX = "lab-"
TXT2KG, CHATBOT, AGENTIC_RAG = "txt2kg", "chatbot", "agentic-rag"


def unit(name: str) -> str:
    return f"{UNIT_PREFIX}{name}"


def txt2kg_ports(setting: Setting) -> dict[int, str]:
    """Host ports of the txt2kg stack as data configures it: ArangoDB and Ollama by default, Neo4j and vLLM with
    the `--vllm` variant (docker-compose.vllm.yml)."""
    ports = {setting("txt2kg_port"): "txt2kg UI"}
    if setting("txt2kg_variant") == "vllm":
        http, bolt = setting("txt2kg_neo4j_ports")
        ports.update({http: "txt2kg's Neo4j browser", bolt: "txt2kg's Neo4j bolt",
                      setting("txt2kg_vllm_port"): "txt2kg's vLLM"})
        return ports
    ports[setting("txt2kg_arangodb_port")] = "txt2kg's ArangoDB"
    if setting("txt2kg_ollama") == "bundled":
        ports[setting("txt2kg_bundled_ollama_port")] = "txt2kg's own Ollama"
    return ports


def txt2kg_uses_host_ollama(setting: Setting) -> bool:
    """Whether txt2kg's app talks to level 2's Ollama; ValueError when data asks for it and that Ollama cannot
    serve it (disabled, or listening on loopback only, out of the containers' reach)."""
    if setting("txt2kg_variant") != "ollama" or setting("txt2kg_ollama") != "host":
        return False
    if not setting("ollama_enabled"):
        raise ValueError("txt2kg_ollama: 'host' needs level 2's Ollama, and ollama_enabled is False; "
                         "set txt2kg_ollama: bundled (or txt2kg_enabled: False)")
    if str(setting("ollama_host")).startswith(("127.", "localhost")):
        raise ValueError(f"txt2kg_ollama: 'host' needs Ollama to listen beyond loopback (ollama_host is "
                         f"{setting('ollama_host')}), where txt2kg's containers reach it")
    return True


def txt2kg_health(setting: Setting) -> tuple[Route, ...]:
    port = setting("txt2kg_port")
    if setting("txt2kg_variant") == "vllm":
        return (Route(port, "/", "txt2kg UI"),
                Route(port, "/api/config", "txt2kg config names its vLLM", expect=setting("txt2kg_vllm_model")),
                Route(setting("txt2kg_vllm_port"), "/health", "txt2kg's vLLM"),
                Route(setting("txt2kg_neo4j_ports")[0], "/", "Neo4j"))
    model = setting("txt2kg_model")
    return (Route(port, "/", "txt2kg UI"),
            Route(port, "/api/config", "txt2kg config names its model", expect=model),
            Route(port, "/api/ollama/tags", "txt2kg reaches its Ollama, which has the model", expect=model),
            Route(setting("txt2kg_arangodb_port"), "/_api/version", "ArangoDB"))


def chatbot_ports(setting: Setting) -> dict[int, str]:
    return {setting("chatbot_ui_port"): "chatbot UI", setting("chatbot_backend_port"): "chatbot backend",
            setting("chatbot_postgres_port"): "chatbot's Postgres", setting("chatbot_milvus_port"): "chatbot's Milvus",
            setting("chatbot_milvus_health_port"): "chatbot's Milvus health"}


def chatbot_models(setting: Setting) -> list[str]:
    """Paths (under the model base URL) of the GGUF files the chatbot serves: the helpers and the supervisor."""
    files = setting("chatbot_model_files")
    supervisor = setting("chatbot_supervisor")
    if supervisor not in files:
        raise ValueError(f"chatbot_supervisor: {supervisor!r} has no entry in chatbot_model_files; "
                         f"known: {', '.join(sorted(files))}")
    return [path for model in ("deepseek-coder", "qwen3-embedding", supervisor) for path in files[model]]


def workloads(setting: Setting) -> list[Workload]:
    found = []
    if setting("txt2kg_enabled"):
        txt2kg_uses_host_ollama(setting)
        found.append(Workload(TXT2KG, unit(TXT2KG), heavy=setting("txt2kg_variant") == "vllm",
                              boot=setting("txt2kg_boot"), ports=txt2kg_ports(setting), health=txt2kg_health(setting)))
    if setting("chatbot_enabled"):
        ui, backend = setting("chatbot_ui_port"), setting("chatbot_backend_port")
        chatbot_models(setting)
        found.append(Workload(
            CHATBOT, unit(CHATBOT), heavy=True, boot=setting("chatbot_boot"), ports=chatbot_ports(setting),
            health=(Route(ui, "/", "chatbot UI"),
                    Route(backend, "/available_models", "chatbot backend lists its supervisor",
                          expect=setting("chatbot_supervisor")),
                    Route(setting("chatbot_milvus_health_port"), "/healthz", "Milvus")),
            # The UI opens its websocket to localhost:8000 (hard-coded): a laptop tunnels 8000 to the backend.
            tunnels={ui: ui, 8000: backend}))
    if setting("agentic_rag_enabled"):
        port = setting("agentic_rag_port")
        found.append(Workload(AGENTIC_RAG, unit(AGENTIC_RAG), boot=setting("agentic_rag_boot"),
                              ports={port: "agentic RAG chat"}, health=(Route(port, "/", "agentic RAG chat"),)))
    return found
