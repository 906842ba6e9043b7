"""The tools' shared plumbing: the inventory loaded in a child process (errors as usage errors), a free port."""

import socket
import sys
import types

import pytest

from sparklab import toolcli
from sparklab.toolcli import UsageError, load_inventory_hosts


def test_exit_codes_are_the_deepops_ones():
    assert (toolcli.PASS, toolcli.FAIL, toolcli.USAGE) == (0, 1, 2)


def test_a_missing_inventory_file_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no inventory file"):
        load_inventory_hosts("distributed.launch.cluster", str(tmp_path / "nowhere.py"))


def test_the_childs_marked_error_becomes_the_message(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text('hosts = ([("spark-1", {"lab_user": "Not A User"})], {})\n')
    with pytest.raises(UsageError, match="host spark-1: lab_user: String should match pattern") as caught:
        load_inventory_hosts("engines.inventory_endpoints", str(broken))
    assert "@@" not in str(caught.value) and "Traceback" not in str(caught.value)


def test_the_child_prints_what_hosts_of_makes(tmp_path, monkeypatch, capsys):
    lab = types.SimpleNamespace(hosts=["a", "b"])
    monkeypatch.setitem(sys.modules, "sparklab.inventory", types.SimpleNamespace(load_lab=lambda path: lab))
    toolcli.serve_inventory_hosts(lambda lab: [h.upper() for h in lab.hosts], ["prog", "inventory.py"])
    assert capsys.readouterr().out == '["A", "B"]\n'


def test_free_port_can_be_bound():
    port = toolcli.free_port()
    with socket.socket() as server:
        server.bind(("127.0.0.1", port))
