"""Inference engines of the lab, seen from their APIs (curriculum level 2: pick the right backend).

``python -m engines bench``: the same prompts to every running engine (vLLM, TensorRT-LLM, SGLang, NIM,
llama.cpp through their OpenAI-compatible API, Ollama through its own), one comparison table of time to
first token, prefill and decode speed. Where the engines are: ``targets`` (``--url``) and
``inventory_endpoints`` (``--inventory``); what goes over the wire: ``parsers`` (no I/O) and ``client`` (HTTP,
deadlines); numbers: ``metrics``; one engine measured: ``bench``; table and JSON: ``bench_report``; the command line:
``bench_cli``.
"""
