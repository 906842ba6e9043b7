"""An inventory's engines (sparklab.engine_instances.endpoints) as plain data, loaded in a child process."""

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from engines import inventory_endpoints as inventory
from engines.targets import targets_from_hosts
from sparklab.toolcli import UsageError

REPO = Path(__file__).resolve().parents[3]


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
    loaded = subprocess.run([sys.executable, "-m", "engines.inventory_endpoints", str(path)], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=False)
    assert loaded.returncode == 0, loaded.stderr
    (host,) = json.loads(loaded.stdout)
    assert host["name"] == "spark-x" and host["address"] == "127.0.0.1"
    for endpoint in host["endpoints"]:
        assert set(endpoint) == set(inventory.ENDPOINT_FIELDS) and endpoint["api"] in ("openai", "ollama")
