"""Where the engines are: ``--url`` options and inventory hosts as targets; prompts."""

import json
from pathlib import Path

import pytest

from engines import prompts
from engines.targets import Target, parse_url_option, targets_from_hosts
from sparklab.toolcli import UsageError

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("option", "target"), [
    ("vllm=http://10.99.0.11:8000", Target("10.99.0.11", "vllm", "http://10.99.0.11:8000", "openai", None)),
    ("ollama=http://127.0.0.1:11434,qwen2.5:0.5b",
     Target("127.0.0.1", "ollama", "http://127.0.0.1:11434", "ollama", "qwen2.5:0.5b")),
    ("ollama-big=http://spark-1:11434/", Target("spark-1", "ollama-big", "http://spark-1:11434", "ollama", None)),
    ("nim=http://spark-1:8001/v1,meta/llama-3.1-8b-instruct",
     Target("spark-1", "nim", "http://spark-1:8001", "openai", "meta/llama-3.1-8b-instruct")),
    ("ollama:local=http://127.0.0.1:11434", Target("127.0.0.1", "local", "http://127.0.0.1:11434", "ollama", None)),
    ("openai:ollama-compat=https://h/", Target("h", "ollama-compat", "https://h", "openai", None)),
])
def test_url_option(option, target):
    assert parse_url_option(option) == target


@pytest.mark.parametrize(("option", "message"), [
    ("vllm", "expected NAME=URL"),
    ("=http://h:8000", "expected NAME=URL"),
    ("vllm=", "expected NAME=URL"),
    ("vllm=10.99.0.11:8000", "not an http"),
    ("vllm=http://h:port", "bad port"),
    ("tgi:x=http://h", "API:NAME"),
])
def test_bad_url_option(option, message):
    with pytest.raises(UsageError, match=message):
        parse_url_option(option)


HOSTS = [
    {"name": "spark-1", "address": "10.99.0.11", "endpoints": [
        {"name": "ollama", "api": "ollama", "port": 11434, "model": "qwen2.5:0.5b", "health": "/api/version"},
        {"name": "vllm", "api": "openai", "port": 8000, "model": "openai/gpt-oss-20b", "health": "/health"}]},
    {"name": "spark-2", "address": "fd00::2", "endpoints": [
        {"name": "sglang", "api": "openai", "port": 30000, "model": None, "health": "/health"}]},
]


def test_targets_from_inventory_hosts():
    assert targets_from_hosts(HOSTS) == [
        Target("spark-1", "ollama", "http://10.99.0.11:11434", "ollama", "qwen2.5:0.5b"),
        Target("spark-1", "vllm", "http://10.99.0.11:8000", "openai", "openai/gpt-oss-20b"),
        Target("spark-2", "sglang", "http://[fd00::2]:30000", "openai", None),
    ]
    assert [t.host for t in targets_from_hosts(HOSTS, ["spark-2"])] == ["spark-2"]
    with pytest.raises(UsageError, match="no host spark-3 in the inventory"):
        targets_from_hosts(HOSTS, ["spark-3"])


def test_prompts(tmp_path):
    assert prompts.choose(None, None) == list(prompts.BUILTIN)
    assert len(prompts.SHORT) < len(prompts.MEDIUM) < len(prompts.LONG)
    lines = tmp_path / "p.txt"
    lines.write_text("first prompt\n\n  second prompt  \n")
    assert prompts.choose(["given"], str(lines)) == ["given", "first prompt", "second prompt"]
    listed = tmp_path / "p.json"
    listed.write_text(json.dumps(["multi\nline", ""]))
    assert prompts.choose(None, str(listed)) == ["multi\nline"]
    listed.write_text('{"a": 1}')
    with pytest.raises(UsageError, match="JSON list of strings"):
        prompts.choose(None, str(listed))
    (tmp_path / "empty.txt").write_text("\n")
    with pytest.raises(UsageError, match="no prompts"):
        prompts.choose(None, str(tmp_path / "empty.txt"))
    with pytest.raises(UsageError, match="--prompts-file"):
        prompts.choose(None, str(tmp_path / "missing.txt"))
    assert prompts.tagged("hi", "abc123", 2) == "[bench abc123-2] hi" and prompts.tagged("hi", None, 2) == "hi"
