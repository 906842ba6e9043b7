"""simlab.mirror.image_manifests: the image configs of the IMAGES entries (command, entrypoint, env)."""
from __future__ import annotations


def test_image_configs(image_config):
    config = image_config
    nim = config("nim/meta/llama-3.1-8b-instruct-dgx-spark", "latest")
    assert "NIM_SERVED_MODEL_NAME=meta/llama-3.1-8b-instruct" in nim["Env"] and "NIM_SERVER_PORT=8000" in nim["Env"]
    assert nim["Cmd"] == ["/opt/nim/start_server.sh"]
    llama = config("ggml-org/llama.cpp", "server-cuda")
    assert llama["Entrypoint"] == ["/app/llama-server"] and "Cmd" not in llama
    webui = config("open-webui/open-webui", "main")
    assert webui["Cmd"] == ["open-webui", "serve"] and "PORT=8080" in webui["Env"]
    assert config("nvidia/vllm", "26.05.post1-py3")["Cmd"] == ["sh"]
