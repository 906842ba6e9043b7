"""checkpoint_sync.share on two "nodes" whose shells are this machine's (the SSH hop replaced by `sh -c`): the
directory ends up whole and the same on both, with the first node's files winning."""

from pathlib import Path

import pytest

from distributed.launch import checkpoint_sync
from distributed.launch.cluster import Node
from sparklab.toolcli import UsageError


class LocalRemote:
    def __init__(self, data):
        self.name = data["name"]

    def argv(self, command, as_user=None):
        return ["sh", "-c", command]


def _node(name: str, path: Path) -> Node:
    return Node(name, {"ssh_hostname": name}, "student", "enp1s0f0np0", "192.168.100.10", {},
                {"distributed_path": str(path)})


def _files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def nodes(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoint_sync, "_remote", lambda node: LocalRemote({"name": node.name}))
    first, second = tmp_path / "a", tmp_path / "b"
    for root, files in ((first, {"latest": "step-4", "step-4/.metadata": "meta", "step-4/__0_0.distcp": "rank0"}),
                        (second, {"latest": "step-2", "step-4/__1_0.distcp": "rank1", "step-2/__1_0.distcp": "old"})):
        for name, text in files.items():
            (root / "ckpt" / name).parent.mkdir(parents=True, exist_ok=True)
            (root / "ckpt" / name).write_text(text)
    return [_node("spark-1", first), _node("spark-2", second)]


def test_every_node_gets_the_whole_checkpoint_and_rank_0s_latest(nodes, tmp_path):
    checkpoint_sync.share(nodes, "ckpt")
    a, b = _files(tmp_path / "a" / "ckpt"), _files(tmp_path / "b" / "ckpt")
    assert a == b
    assert a["latest"] == "step-4" and a["step-4/.metadata"] == "meta"
    assert a["step-4/__0_0.distcp"] == "rank0" and a["step-4/__1_0.distcp"] == "rank1"


def test_an_absolute_directory_is_used_as_is(nodes, tmp_path):
    assert checkpoint_sync.node_path(nodes[0], "/srv/ckpt") == "/srv/ckpt"
    assert checkpoint_sync.node_path(nodes[0], "ckpt") == f"{tmp_path / 'a'}/ckpt"


def test_a_missing_checkpoint_is_a_usage_error_naming_the_nodes(nodes):
    with pytest.raises(UsageError, match="copying nothing-here from spark-2 to spark-1 failed"):
        checkpoint_sync.share(nodes, "nothing-here")
