"""The stand-in apps inside the stand-in git repos (simlab/standins/playbooks/, agentic-rag/): the txt2kg app,
the chatbot's backend and frontend, the embeddings service and the Agentic RAG chat UI, run by this interpreter
on 127.0.0.1 against other stand-ins."""
from __future__ import annotations

import subprocess
import sys

from standin_procs import ENGINES, FAST, Running, free_port, link_program

from simlab.mirror import catalog

PLAYBOOKS = catalog.STANDINS / "playbooks" / "nvidia"
TXT2KG_APP = PLAYBOOKS / "txt2kg/assets/deploy/app/txt2kg_app.py"
EMBEDDINGS = PLAYBOOKS / "txt2kg/assets/deploy/services/sentence-transformers/embeddings_app.py"
BACKEND = PLAYBOOKS / "multi-agent-chatbot/assets/backend/chatbot_backend.py"
FRONTEND = PLAYBOOKS / "multi-agent-chatbot/assets/frontend/chatbot_frontend.py"
RAG_CODE = catalog.STANDINS / "agentic-rag" / "code"
SERVICES = ENGINES / "standin_services.py"


def test_txt2kg_app_config_ollama_proxy_and_health(tmp_path):
    arango_port, ollama_port, app_port = free_port(), free_port(), free_port()
    env = {"HOSTNAME": "127.0.0.1", "PORT": str(app_port), "GRAPH_DB_TYPE": "arangodb",
           "ARANGODB_URL": f"http://127.0.0.1:{arango_port}", "OLLAMA_MODEL": "qwen2.5:0.5b",
           "OLLAMA_BASE_URL": f"http://127.0.0.1:{ollama_port}/v1", "VLLM_MODEL": "disabled"}
    app = Running([TXT2KG_APP], app_port, env=env)
    try:
        status, _, page = app.request("GET", "/")
        assert status == 200 and b"<h1>" in page
        assert app.json("GET", "/api/config") == (200, {
            "ollamaModel": "qwen2.5:0.5b", "ollamaBaseUrl": f"http://127.0.0.1:{ollama_port}/v1",
            "vllmModel": "disabled", "vllmBaseUrl": None, "graphDbType": "arangodb",
            "arangodbUrl": f"http://127.0.0.1:{arango_port}", "arangodbDb": None, "neo4jUri": None,
            "vectorDbType": None, "standin": "LAB FIXTURE: sparklab simulated lab"})
        status, body = app.json("GET", "/api/ollama/tags")
        assert status == 502 and "unreachable" in body["error"]
        assert app.json("GET", "/api/health")[0] == 503
        ollama = Running([catalog.STANDINS / "ollama/ollama", "serve"], ollama_port,
                         env={"OLLAMA_HOST": f"127.0.0.1:{ollama_port}", "OLLAMA_MODELS": str(tmp_path / "models")})
        arango = Running([link_program(tmp_path, "arangod", SERVICES), "--server.endpoint",
                          f"tcp://127.0.0.1:{arango_port}", "--database.directory", tmp_path / "db"], arango_port)
        try:
            assert app.json("GET", "/api/ollama/tags") == (200, {"models": []})
            status, health = app.json("GET", "/api/health")
            assert status == 200 and health["graphDb"] == "arangodb" and health["llm"] == "ollama"
            assert health["checks"]["arangodb"]["ok"] and health["checks"]["ollama"]["ok"]
        finally:
            ollama.stop()
            arango.stop()
    finally:
        assert app.stop()[0] == 0


def test_embeddings_service():
    port = free_port()
    svc = Running([EMBEDDINGS], port, env={"PORT": str(port)})
    try:
        assert svc.json("GET", "/health")[0] == 200
        status, body = svc.json("POST", "/embed", {"texts": ["a", "b"]})
        assert status == 200 and len(body["embeddings"]) == 2 and len(body["embeddings"][0]) == 384
        assert svc.json("POST", "/embeddings", {"text": "a"})[1]["embeddings"][0] == body["embeddings"][0]
    finally:
        svc.stop()


def test_chatbot_backend_and_frontend(tmp_path):
    backend_port, front_port = free_port(), free_port()
    env = {"PORT": str(backend_port), "MODELS": "gpt-oss-120b, gpt-oss-20b", "POSTGRES_HOST": "127.0.0.1",
           "MILVUS_ADDRESS": "127.0.0.1:19530"}
    backend = Running([BACKEND], backend_port, env=env)
    frontend = Running([FRONTEND], front_port,
                       env={"PORT": str(front_port), "BACKEND_URL": f"http://127.0.0.1:{backend_port}"})
    try:
        assert backend.json("GET", "/health") == (200, {"status": "healthy"})
        assert backend.json("GET", "/available_models") == (200, {"models": ["gpt-oss-120b", "gpt-oss-20b"]})
        status, deps = backend.json("GET", "/health/dependencies")
        assert status == 503 and deps["checks"]["supervisor"]["url"] == "http://gpt-oss-120b:8000/health"
        assert not deps["checks"]["supervisor"]["ok"] and not deps["checks"]["postgres"]["ok"]
        assert frontend.request("GET", "/")[0] == 200
        assert frontend.json("GET", "/api/available_models") == (200, {"models": ["gpt-oss-120b", "gpt-oss-20b"]})
    finally:
        backend.stop()
        assert frontend.stop()[0] == 0
    status, body = frontend_down(front_port, backend_port)
    assert status == 502 and "unreachable" in body["error"]


def frontend_down(front_port: int, backend_port: int):
    frontend = Running([FRONTEND], front_port,
                       env={"PORT": str(front_port), "BACKEND_URL": f"http://127.0.0.1:{backend_port}"})
    try:
        return frontend.json("GET", "/api/available_models")
    finally:
        frontend.stop()


def test_agentic_rag_chatui_needs_its_secrets_and_serves_its_page():
    base = {**FAST, "PATH": "/usr/bin:/bin"}
    missing = subprocess.run([sys.executable, "-m", "chatui", "--port", "1"], cwd=RAG_CODE, capture_output=True,
                             text=True, timeout=30, env={**base, "NVIDIA_API_KEY": "nvapi-x"})
    assert missing.returncode == 1 and "TAVILY_API_KEY not set" in missing.stderr
    port = free_port()
    ui = Running(["-m", "chatui", "--host", "127.0.0.1", "--port", port], port,
                 env={"NVIDIA_API_KEY": "nvapi-x", "TAVILY_API_KEY": "tvly-x", "PYTHONPATH": str(RAG_CODE)})
    try:
        status, _, page = ui.request("GET", "/")
        assert status == 200 and b"Agentic RAG" in page
        assert ui.request("GET", "/nope")[0] == 404
    finally:
        assert ui.stop()[0] == 0


def test_agentic_rag_spec_keeps_the_chat_app_entry():
    spec = (catalog.STANDINS / "agentic-rag/.project/spec.yaml").read_text()
    assert "start_command: cd /project/code/ && PROXY_PREFIX=$PROXY_PREFIX python3 -m chatui" in spec
    assert 'health_check_command: curl -f "http://localhost:8080/"' in spec and 'port: "8080"' in spec
    assert "variable: NVIDIA_API_KEY" in spec and "variable: TAVILY_API_KEY" in spec
    reqs = (catalog.STANDINS / "agentic-rag/requirements.txt").read_text().split("\n")
    assert "numpy==2.4.6" in reqs and "numpy==2.4.6" in catalog.WHEELS  # the wheelhouse has it
