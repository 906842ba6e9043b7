"""The inventory model: every rule, and its message naming host and field."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from roles import knob_defaults
from sparklab.inventory import InventoryError, load_lab, validate_hosts

REPO = Path(__file__).resolve().parents[3]
PYINFRA = str(Path(sys.executable).with_name("pyinfra"))


def link(name, address, **extra):
    return {"name": name, "address": address, **extra}


def host(name, **data):
    return (name, {"lab_user": "nvidia", **data})


def error_of(hosts) -> str:
    with pytest.raises(InventoryError) as caught:
        validate_hosts(hosts, knob_defaults())
    return str(caught.value)


@pytest.mark.parametrize("inventory", ["one_spark.py", "two_sparks.py", "sim_lab.py", "classroom.py",
                                       "three_sparks_ring.py", "four_sparks_switch.py"])
def test_shipped_inventories_are_valid(inventory):
    lab = load_lab(REPO / "inventories" / inventory)
    assert lab.hosts and all(h.lab_user for h in lab.hosts)


def test_two_sparks_is_nvidias_current_plan():
    lab = load_lab(REPO / "inventories" / "two_sparks.py")
    plan = {h.name: [(i.name, str(i.address)) for i in h.qsfp_interfaces] for h in lab.hosts}
    assert plan == {
        "spark-1": [("enp1s0f1np1", "192.168.100.10/24"), ("enP2p1s0f1np1", "192.168.101.10/24")],
        "spark-2": [("enp1s0f1np1", "192.168.100.11/24"), ("enP2p1s0f1np1", "192.168.101.11/24")],
    }


@pytest.mark.parametrize(
    ("hosts", "expected"),
    [
        ([("a", {})], "host a: lab_user: Field required"),
        ([host("a", base_pakages=[])], "host a: base_pakages: unknown key"),
        ([host("a", base_packages="vim")], "host a: base_packages: expected list, got str"),
        ([host("a", qsfp_interfaces=[link("e1", "10.0.0.1")])],
         "host a: qsfp_interfaces[0].address: 10.0.0.1 needs a prefix"),
        ([host("a", qsfp_interfaces=[link("e1", "10.0.0.1/24", mtu=100000)])], "host a: qsfp_interfaces[0].mtu"),
        ([host("a", qsfp_interfaces=[link("bad name!", "10.0.0.1/24")])], "host a: qsfp_interfaces[0].name"),
        (
            [host("a", qsfp_interfaces=[link("e1", "10.0.0.1/24"), link("e2", "10.0.0.2/24")])],
            "cluster lab: host a: qsfp_interfaces[1].address: 10.0.0.2/24 shares a subnet with e1",
        ),
        (
            [host("a", mgmt_interface="e1", qsfp_interfaces=[link("e1", "10.0.0.1/24")])],
            "host a: qsfp_interfaces[0].name: e1 is the management interface",
        ),
        ([host("a", secrets={"ngc_api_key": {"env": "A", "file": "b"}})],
         "host a: secrets.ngc_api_key: give exactly one"),
        ([host("a", secrets={"ngc_key": {"env": "A"}})], "host a: secrets: unknown secret 'ngc_key'"),
        (
            [host("a", qsfp_interfaces=[link("e1", "10.0.0.1/24")]),
             host("b", qsfp_interfaces=[link("e2", "10.0.0.2/24")])],
            "cluster lab: host b: qsfp_interfaces: uses e2 but a uses e1; use the same physical ports",
        ),
        (
            [host("a", qsfp_interfaces=[link("e1", "10.0.0.1/24")]),
             host("b", qsfp_interfaces=[link("e1", "10.0.1.2/24")])],
            "cluster lab: host a: qsfp_interfaces[0].address: subnet 10.0.0.0/24 has no other end",
        ),
        (
            [host("a", qsfp_interfaces=[link("e1", "10.0.0.1/24")]),
             host("b", qsfp_interfaces=[link("e1", "10.0.0.1/24")])],
            "cluster lab: host b: qsfp_interfaces[0].address: 10.0.0.1 is already used by a (e1)",
        ),
        (
            [host("a", qsfp_interfaces=[link("e1", "10.0.0.1/24")]),
             ("b", {"lab_user": "other", "qsfp_interfaces": [link("e1", "10.0.0.2/24")]})],
            "cluster lab: host b: lab_user: other differs from a's nvidia",
        ),
    ],
)
def test_bad_inventory_names_host_and_field(hosts, expected):
    assert expected in error_of(hosts)


def test_pyinfra_settings_and_global_arguments_pass():
    lab = validate_hosts([host("a", ssh_hostname="10.0.0.1", ssh_port=2222, _sudo=True)], knob_defaults())
    assert lab.hosts[0].ssh == {"ssh_hostname": "10.0.0.1", "ssh_port": 2222}


def test_secret_reference_reads_env_and_file(tmp_path, monkeypatch):
    key_file = tmp_path / "key"
    key_file.write_text("from-file\n")
    monkeypatch.setenv("SPARK_TEST_KEY", "from-env")
    secrets = {"ngc_api_key": {"env": "SPARK_TEST_KEY"}, "hf_token": {"file": str(key_file)}}
    lab = validate_hosts([host("a", secrets=secrets)], knob_defaults())
    assert lab.hosts[0].secret("ngc_api_key").read() == "from-env"
    assert lab.hosts[0].secret("hf_token").read() == "from-file"
    monkeypatch.delenv("SPARK_TEST_KEY")
    assert lab.hosts[0].secret("ngc_api_key").read() is None
    assert lab.hosts[0].secret("tailscale_auth_key") is None


def test_pyinfra_refuses_a_bad_inventory_before_connecting(tmp_path):
    """Acceptance (issue 2): .11 changed to .10 in a copy of two_sparks.py."""
    bad = REPO / "inventories" / "two_sparks.py"
    copy = tmp_path / "two_sparks_copy.py"
    copy.write_text(bad.read_text().replace("192.168.100.11", "192.168.100.10"))
    run = subprocess.run(
        [PYINFRA, str(copy), "deploys/level1.py", "--dry"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "Connecting to hosts" not in output
    assert re.search(r"host spark-2: qsfp_interfaces\[0\]\.address: 192\.168\.100\.10 is already used", output)


def test_pyinfra_refuses_two_heavy_engines_at_boot_before_connecting(tmp_path):
    """Acceptance (issue 6): data enabling two heavy engines at boot fails before connecting, naming both."""
    copy = tmp_path / "two_sparks_copy.py"
    text = (REPO / "inventories" / "two_sparks.py").read_text()
    copy.write_text(text.replace('"trtllm": {},', '"trtllm": {"boot": True},'))
    run = subprocess.run(
        [PYINFRA, str(copy), "deploys/level2.py", "--dry"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "Connecting to hosts" not in output
    assert "host spark-1: workloads: trtllm and vllm are heavy workloads both set to start at boot" in output


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("192.168.100.11/33", "192.168.100.11/33: prefix 33 is out of range (0–32)"),
        ("192.168.100.11/", "192.168.100.11/: prefix (empty) is out of range (0–32)"),
        ("192.168.100.300/24", "192.168.100.300/24: 192.168.100.300 is not an IPv4 address"),
        ("192.168.100.11", "192.168.100.11 needs a prefix length, e.g. 192.168.100.11/24"),
    ],
)
def test_a_bad_address_is_named_with_what_is_wrong(address, expected):
    message = error_of([host("a", qsfp_interfaces=[link("e1", address)])])
    assert f"host a: qsfp_interfaces[0].address: {expected}" in message


def test_pydantic_messages_name_the_bad_value():
    message = error_of([host("a", qsfp_interfaces=[link("e1", "10.0.0.1/24", mtu=100000)])])
    assert "host a: qsfp_interfaces[0].mtu: Input should be less than or equal to 9216 (got 100000)" in message


def test_pyinfra_refuses_two_hosts_with_one_name_before_connecting(tmp_path):
    """Issue 10: a copy-pasted spark-2 renamed to spark-1 would silently drop a machine."""
    copy = tmp_path / "two_sparks_copy.py"
    copy.write_text((REPO / "inventories" / "two_sparks.py").read_text().replace('("spark-2"', '("spark-1"'))
    run = subprocess.run([PYINFRA, str(copy), "deploys/level1.py", "--dry"], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "Connecting to hosts" not in output
    assert "host spark-1: listed 2 times in group sparks; every machine needs its own name" in output
