"""simlab.hf_hub, the stand-in Hugging Face Hub, on 127.0.0.1: the routes and headers the clients use (stdlib), then
the real clients where installed, in a subprocess with HF_ENDPOINT: huggingface_hub downloads, gating, transformers
loading the tiny model and a few LoRA steps with peft lowering the loss."""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest

from simlab import hf_hub
from simlab.mirror import hf_repos

MODEL, GATED, DATASET = "nvidia-lab/Llama-3.2-tiny-Instruct", "meta-llama-lab/Llama-3.2-tiny-Instruct", \
    "nvidia-lab/alpaca-tiny"


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub")
    index = hf_repos.build_hub(root)
    server = hf_hub.serve(root, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", index
    server.shutdown()
    server.server_close()


def _call(url, method="GET", headers=None):
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_info_tree_and_resolve(hub):
    base, index = hub
    sha = index["repos"][f"models/{MODEL}"]["sha"]
    status, _, body = _call(f"{base}/api/models/{MODEL}/revision/main")
    info = json.loads(body)
    assert status == 200 and info["sha"] == sha and info["gated"] is False
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {s["rfilename"] for s in info["siblings"]}
    status, _, body = _call(f"{base}/api/datasets/{DATASET}/tree/main?recursive=true")
    tree = json.loads(body)
    assert status == 200 and tree[0]["type"] == "directory" and tree[0]["path"] == "data"
    assert any(e["path"] == "data/train.jsonl" and e["lfs"]["size"] == e["size"] for e in tree)
    status, headers, _ = _call(f"{base}/{MODEL}/resolve/main/model.safetensors", "HEAD")
    entry = index["repos"][f"models/{MODEL}"]["files"]["model.safetensors"]
    assert status == 200 and headers["X-Repo-Commit"] == sha
    assert headers["X-Linked-Etag"] == f'"{entry["lfs"]["oid"]}"' and int(headers["Content-Length"]) == entry["size"]
    assert "X-Xet-Hash" not in headers
    status, headers, body = _call(f"{base}/{MODEL}/resolve/{sha}/config.json", headers={"Range": "bytes=2-9"})
    size = index["repos"][f"models/{MODEL}"]["files"]["config.json"]["size"]
    assert (status, len(body), headers["Content-Range"]) == (206, 8, f"bytes 2-9/{size}")


def test_errors_carry_the_hubs_codes(hub):
    base, _ = hub
    assert _call(f"{base}/{MODEL}/resolve/main/nope.json", "HEAD")[1]["X-Error-Code"] == "EntryNotFound"
    assert _call(f"{base}/{MODEL}/resolve/v9/config.json", "HEAD")[1]["X-Error-Code"] == "RevisionNotFound"
    assert _call(f"{base}/api/models/nobody/nothing")[1]["X-Error-Code"] == "RepoNotFound"
    status, headers, _ = _call(f"{base}/{GATED}/resolve/main/config.json", "HEAD")
    assert (status, headers["X-Error-Code"]) == (401, "GatedRepo")
    assert _call(f"{base}/{GATED}/resolve/main/config.json", "HEAD", {"Authorization": "Bearer hf_x"})[0] == 200
    assert _call(f"{base}/{MODEL}/resolve/main/config.json", "HEAD", {"Authorization": "Bearer nope"})[0] == 401
    assert json.loads(_call(f"{base}/api/whoami-v2", headers={"Authorization": "Bearer hf_x"})[2])["name"]


CLIENT = """
import json, sys
from huggingface_hub import HfApi, hf_hub_download, snapshot_download
from huggingface_hub.errors import GatedRepoError
MODEL, GATED, DATASET = sys.argv[1:4]
out = {"snapshot": snapshot_download(MODEL),
       "dataset": open(hf_hub_download(DATASET, "data/train.jsonl", repo_type="dataset"), "rb").read().decode()}
try:
    hf_hub_download(GATED, "config.json", token=False)
    out["gated"] = "open"
except GatedRepoError:
    out["gated"] = "refused"
out["with_token"] = bool(hf_hub_download(GATED, "config.json", token="hf_lab"))
out["info_gated"] = HfApi().model_info(GATED).gated
print(json.dumps(out))
"""

LORA = """
import json, sys
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer
MODEL, rows = sys.argv[1], json.loads(sys.argv[2])
tok = AutoTokenizer.from_pretrained(MODEL)
model = get_peft_model(AutoModelForCausalLM.from_pretrained(MODEL),
                       LoraConfig(r=8, lora_alpha=16, target_modules="all-linear"))
texts = [tok.apply_chat_template([{"role": "user", "content": r["instruction"]},
                                  {"role": "assistant", "content": r["output"]}], tokenize=False) for r in rows]
batch = tok(texts, return_tensors="pt", padding=True, add_special_tokens=False)
labels = batch.input_ids.masked_fill(batch.attention_mask == 0, -100)
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
losses = []
for _ in range(8):
    loss = model(**batch, labels=labels).loss
    loss.backward()
    opt.step()
    opt.zero_grad()
    losses.append(loss.item())
print(json.dumps(losses))
"""


def _client(script: str, base: str, home, *args: str) -> str:
    """Run ``script`` with the real clients in a subprocess, HF_ENDPOINT at the stand-in (in this process, httpx
    and anyio would later meet pyinfra's gevent monkey-patching and hang other tests)."""
    env = {**os.environ, "HF_ENDPOINT": base, "HF_HOME": str(home), "HF_HUB_DISABLE_TELEMETRY": "1",
           "HF_HUB_DISABLE_UPDATE_CHECK": "1"}
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


def _has(*modules: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


@pytest.mark.skipif(not _has("huggingface_hub"), reason="needs huggingface_hub")
def test_huggingface_hub_client(hub, tmp_path):
    base, index = hub
    out = json.loads(_client(CLIENT, base, tmp_path, MODEL, GATED, DATASET))
    assert index["repos"][f"models/{MODEL}"]["sha"] in out["snapshot"] and out["snapshot"].startswith(str(tmp_path))
    assert out["dataset"].encode() == hf_repos.alpaca_jsonl()
    assert (out["gated"], out["with_token"], out["info_gated"]) == ("refused", True, "manual")


@pytest.mark.skipif(not _has("torch", "transformers", "peft"), reason="needs torch, transformers and peft")
def test_transformers_and_peft_lower_the_loss(hub, tmp_path):
    base, _ = hub
    rows = [json.loads(line) for line in hf_repos.alpaca_jsonl().decode().splitlines()[:16]]
    losses = json.loads(_client(LORA, base, tmp_path, MODEL, json.dumps(rows)))
    assert losses[-1] < losses[0] - 0.1


def test_the_lab_inventory_points_at_the_hub():
    import runpy
    from pathlib import Path

    from simlab import config, services
    from simlab.mirror import catalog
    group = runpy.run_path(str(Path(__file__).resolve().parents[3] / "inventories" / "sim_lab.py"))["sim_sparks"][1]
    assert group["hf_endpoint"] == catalog.HF_HUB_URL == f"http://{config.LAB_ADDR}:{config.HF_HUB_PORT}"
    assert group["hf_env"]["HF_HUB_DISABLE_UPDATE_CHECK"] == "1"
    assert services.HF_HUB in services.ALL and services.HF_HUB.port == config.HF_HUB_PORT
