"""Level 2 — inference: Ollama (+ Continue.dev), Open WebUI, and the engines the inventory enables
(vLLM, TensorRT-LLM, SGLang, NIM, llama.cpp). Includes level 1."""

from pyinfra import local

from roles.inference_engines import inference_engines
from roles.ollama import ollama
from roles.open_webui import open_webui

local.include("deploys/level1.py")
ollama()
open_webui()
inference_engines()
