"""simlab.mirror.hf_repos: the stand-in Hub repositories are the same bytes on every build, the safetensors file is
well formed, the tokenizer is a valid `tokenizers` JSON, the datasets have the Alpaca and unified_chip2 shapes."""
from __future__ import annotations

import json
import struct

import pytest

from simlab.mirror import catalog, hf_repos


def test_build_is_reproducible(tmp_path):
    a = hf_repos.build_hub(tmp_path / "a")
    b = hf_repos.build_hub(tmp_path / "b")
    assert a == b
    assert set(a["repos"]) == {f"{s['type']}s/{r}" for r, s in catalog.HF_REPOS.items()}
    for key, repo in a["repos"].items():
        assert len(repo["sha"]) == 40
        for path, entry in repo["files"].items():
            data = (tmp_path / "a" / key / path).read_bytes()
            assert data == (tmp_path / "b" / key / path).read_bytes()
            assert entry["size"] == len(data)
            assert (entry["lfs"] is not None) == path.endswith(hf_repos.LFS_SUFFIXES)
    gated = [r for r in a["repos"].values() if r["gated"]]
    assert [r["id"] for r in gated] == [r for r, s in catalog.HF_REPOS.items() if s.get("gated")]


def test_safetensors_header_and_shapes():
    data = hf_repos.safetensors_bytes(1)
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0
    header = json.loads(data[8:8 + n])
    cfg = hf_repos.model_config()
    assert header["model.embed_tokens.weight"]["shape"] == [cfg["vocab_size"], cfg["hidden_size"]]
    assert "lm_head.weight" not in header and cfg["tie_word_embeddings"]
    end = max(t["data_offsets"][1] for k, t in header.items() if k != "__metadata__")
    assert len(data) == 8 + n + end
    assert hf_repos.safetensors_bytes(1) == data and hf_repos.safetensors_bytes(2) != data


def test_tokenizer_vocabulary():
    files = hf_repos.tokenizer_files()
    tok = json.loads(files["tokenizer.json"])
    ids = sorted(tok["model"]["vocab"].values()) + [a["id"] for a in tok["added_tokens"]]
    assert ids == list(range(hf_repos.VOCAB_SIZE))
    cfg = json.loads(files["tokenizer_config.json"])
    assert cfg["chat_template"] and cfg["eos_token"] == "<|eot_id|>"
    tokenizers = pytest.importorskip("tokenizers")
    t = tokenizers.Tokenizer.from_str(files["tokenizer.json"].decode())
    enc = t.encode("What is 3 plus 4?")
    assert enc.ids[0] == hf_repos.model_config()["bos_token_id"]
    assert t.decode(enc.ids, skip_special_tokens=True) == "What is 3 plus 4?"
    assert len(enc.ids) < len("What is 3 plus 4?")  # the merges fire


def test_datasets():
    rows = [json.loads(line) for line in hf_repos.alpaca_jsonl().decode().splitlines()]
    assert len(rows) >= 200 and all(set(r) == {"instruction", "input", "output"} for r in rows)
    chip2 = [json.loads(line) for line in hf_repos.unified_chip2_jsonl().decode().splitlines()]
    assert len(chip2) == len(rows) and chip2[0]["text"].startswith("<human>: ") and "\n<bot>: " in chip2[0]["text"]
