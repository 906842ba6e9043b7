"""Where the engines are: ``--url`` options, an inventory's engines (sparklab.engine_instances.endpoints), prompts."""

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from engines import inventory, prompts
from engines.targets import Target, UsageError, parse_url_option, targets_from_hosts

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


@dataclass(frozen=True)
class FakeEndpoint:
    name: str
    api: str
    port: int
    model: str | None
    health: str


def test_hosts_of_uses_sparklab_endpoints(monkeypatch):
    import sparklab.engine_instances

    def endpoints(config):
        return [FakeEndpoint("ollama", "ollama", 11434, None, "/api/version"),
                FakeEndpoint("vllm", "openai", 8000 + int(config.name[-1]), "m", "/health")]

    monkeypatch.setattr(sparklab.engine_instances, "endpoints", endpoints)
    lab = SimpleNamespace(hosts=[SimpleNamespace(name="spark-1", ssh={"ssh_hostname": "10.0.0.1"}),
                                 SimpleNamespace(name="spark-2", ssh={"ssh_hostname": "spark-2.local"})])
    hosts = inventory.hosts_of(lab)
    assert hosts[1] == {"name": "spark-2", "address": "spark-2.local", "endpoints": [
        {"name": "ollama", "api": "ollama", "port": 11434, "model": None, "health": "/api/version"},
        {"name": "vllm", "api": "openai", "port": 8002, "model": "m", "health": "/health"}]}
    assert [t.url for t in targets_from_hosts(hosts)] == [
        "http://10.0.0.1:11434", "http://10.0.0.1:8001", "http://spark-2.local:11434", "http://spark-2.local:8002"]


def test_hosts_of_names_the_host_of_a_bad_engine_setting(monkeypatch):
    import sparklab.engine_instances

    def endpoints(config):
        raise ValueError("engines.vllm.port: 8000 is also the port of nim")

    monkeypatch.setattr(sparklab.engine_instances, "endpoints", endpoints)
    lab = SimpleNamespace(hosts=[SimpleNamespace(name="spark-1", ssh={"ssh_hostname": "h"})])
    with pytest.raises(UsageError, match="host spark-1: engines.vllm.port"):
        inventory.hosts_of(lab)


def test_missing_inventory_file(tmp_path):
    with pytest.raises(UsageError, match="no inventory file"):
        inventory.load_hosts(str(tmp_path / "nope.py"))


def test_inventory_loaded_in_a_child_process(tmp_path):
    """The real loader (pyinfra + sparklab.engine_instances) on a one-host inventory: plain data back."""
    path = tmp_path / "lab.py"
    path.write_text('sparks = ([("spark-x", {"ssh_hostname": "127.0.0.1"})], {"lab_user": "student"})\n')
    loaded = subprocess.run([sys.executable, "-m", "engines.inventory", str(path)], cwd=REPO, capture_output=True,
                            text=True, timeout=120, check=False)
    assert loaded.returncode == 0, loaded.stderr
    (host,) = json.loads(loaded.stdout)
    assert host["name"] == "spark-x" and host["address"] == "127.0.0.1"
    for endpoint in host["endpoints"]:
        assert set(endpoint) == set(inventory.ENDPOINT_FIELDS) and endpoint["api"] in ("openai", "ollama")


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
