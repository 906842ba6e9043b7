"""simlab's pure parts: address plan, generated config text, cgroup paths, inventory. No root, no lab."""
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simlab import cgroups, commandline, config, render, rootfs

REPO = Path(__file__).resolve().parents[3]


# ------------------------------------------------------------------------------------ address plan

def _nics(layout):
    return [(n.host.name, n.inside, n.bridge, n.address) for n in layout.nics]


def test_address_plan_follows_the_lab_contract():
    h1, h2, h4 = config.Host(1), config.Host(2), config.Host(4)
    assert (h1.name, h1.mgmt_ip, h2.name, h2.mgmt_ip, h4.mgmt_ip) == (
        "spark-sim-1", "10.99.0.11", "spark-sim-2", "10.99.0.12", "10.99.0.14")
    assert _nics(config.layout("switch:2")) == [("spark-sim-1", "qsfp0", "splab-qsfp", "192.168.100.10/24"),
                                                ("spark-sim-2", "qsfp0", "splab-qsfp", "192.168.100.11/24")]
    assert config.LAB_ADDR == "10.99.0.1"
    assert (config.MGMT_BRIDGE, config.QSFP_BRIDGE) == ("splab-mgmt", "splab-qsfp")


def test_ring_has_a_bridge_per_cable_and_two_nics_a_host_on_nvidias_subnets():
    ring = config.layout("ring")
    assert _nics(ring) == [
        ("spark-sim-1", "enp1s0f0np0", "splab-ring1", "192.168.0.1/24"),
        ("spark-sim-1", "enp1s0f1np1", "splab-ring3", "192.168.2.1/24"),
        ("spark-sim-2", "enp1s0f0np0", "splab-ring2", "192.168.4.1/24"),
        ("spark-sim-2", "enp1s0f1np1", "splab-ring1", "192.168.0.2/24"),
        ("spark-sim-3", "enp1s0f0np0", "splab-ring3", "192.168.2.2/24"),
        ("spark-sim-3", "enp1s0f1np1", "splab-ring2", "192.168.4.2/24")]
    assert ring.bridges == ["splab-ring1", "splab-ring3", "splab-ring2"]
    assert {ring.cluster_of(h) for h in ring.hosts} == {("ring", "ring")}


def test_classroom_puts_each_pair_on_its_own_bridge_with_nvidias_addresses():
    room = config.layout("classroom:2+2")
    assert [h.name for h in room.hosts] == [f"spark-sim-{i}" for i in range(1, 7)]
    assert room.nics_of(room.hosts[0]) == [] and room.cluster_of(room.hosts[1]) is None
    assert _nics(room) == [("spark-sim-3", "qsfp0", "splab-pair1", "192.168.100.10/24"),
                           ("spark-sim-4", "qsfp0", "splab-pair1", "192.168.100.11/24"),
                           ("spark-sim-5", "qsfp0", "splab-pair2", "192.168.100.10/24"),
                           ("spark-sim-6", "qsfp0", "splab-pair2", "192.168.100.11/24")]
    assert [room.cluster_of(h) for h in room.hosts[2:]] == [("pair-1", "pair")] * 2 + [("pair-2", "pair")] * 2


@pytest.mark.parametrize("spec", ["ring:3", "classroom:2", "classroom:1+0", "switch:x", "mesh", "switch:0"])
def test_a_bad_topology_is_refused_naming_it(spec):
    with pytest.raises(ValueError, match=spec.split(":")[0]):
        config.layout(spec)


def test_link_names_fit_ifnamsiz_and_are_unique():
    nics = [*config.layout(f"switch:{config.MAX_HOSTS}").nics, *config.layout("ring").nics]
    hs = config.hosts(config.MAX_HOSTS)
    names = [n.hostside for n in config.layout(f"switch:{config.MAX_HOSTS}").nics] + [h.mgmt_hostside for h in hs]
    assert all(len(n) <= 15 for n in [*names, *(n.hostside for n in nics), *config.layout("ring").bridges])
    assert len(set(names)) == len(names)
    assert all(n.hostside.startswith("splab-") for n in nics)


@pytest.mark.parametrize("n", [0, -1, config.MAX_HOSTS + 1])
def test_host_count_is_bounded(n):
    with pytest.raises(ValueError):
        config.hosts(n)


def test_paths_default_and_from_env():
    p = config.Paths.from_env({})
    assert p.state == Path("/var/lib/sparklab-sim") and p.cache == Path("/var/cache/sparklab-sim")
    assert p.ssh_key == Path("/var/lib/sparklab-sim/ssh/id_ed25519")
    assert p.known_hosts == Path("/var/lib/sparklab-sim/ssh/known_hosts")
    assert p.acng_cache == Path("/var/cache/sparklab-sim/apt-cacher-ng")
    q = config.Paths.from_env({"SPARKLAB_SIM_STATE": "/s", "SPARKLAB_SIM_CACHE": "/c"})
    assert q.mirror_dir == Path("/s/mirror") and q.registry_storage == Path("/c/registry")
    assert config.host_paths(q, config.Host(2)).docker == Path("/s/hosts/spark-sim-2/docker")
    assert config.default_host_count({}) == 2 and config.default_host_count({"SIM_HOSTS": "4"}) == 4


# ------------------------------------------------------------------------------- guest config text

def _ini(text):
    """[Section] -> {key: value} of a systemd unit/network file."""
    out, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = out.setdefault(line.strip("[]"), {})
        else:
            k, v = line.split("=", 1)
            section[k] = v
    return out


def test_host0_network_is_static_without_gateway_or_ra():
    net = _ini(render.host0_network(config.Host(3)))
    assert net["Match"] == {"Name": "host0"}
    assert net["Network"] == {"Address": "10.99.0.13/24", "LinkLocalAddressing": "no", "IPv6AcceptRA": "no"}


def test_qsfp_network_brings_the_link_up_without_address():
    net = _ini(render.qsfp_network(config.layout("ring").nics[1]))
    assert net["Match"] == {"Name": "enp1s0f1np1"}
    assert "Address" not in net["Network"] and net["Network"]["IPv6AcceptRA"] == "no"
    assert net["Network"]["LinkLocalAddressing"] == "no"
    assert net["Link"]["RequiredForOnline"] == "no"


def test_etc_hosts_maps_lab_names_to_the_bridge():
    text = render.etc_hosts(config.Host(1))
    lines = [line.split() for line in text.splitlines() if line and not line.startswith("#")]
    assert ["127.0.0.1", "localhost"] in lines
    assert ["127.0.1.1", "spark-sim-1"] in lines
    assert ["10.99.0.1", "nvcr.io", "ghcr.io", "quay.io", "mirror.sim"] in lines


def test_host_files_modes_and_identity():
    ring = config.layout("ring")
    files = render.host_files(config.Host(2), ring.nics_of(config.Host(2)), "ab" * 16, "PRIVATE\n",
                              "ssh-ed25519 AAAA root@x\n", "ssh-ed25519 K\n")
    assert {"etc/systemd/network/50-simlab-enp1s0f0np0.network",
            "etc/systemd/network/50-simlab-enp1s0f1np1.network"} <= set(files)
    assert files["etc/hostname"][0] == "spark-sim-2\n"
    assert files["etc/machine-id"][0] == "ab" * 16 + "\n"
    assert files["etc/ssh/ssh_host_ed25519_key"][1] == 0o600
    assert files["root/.ssh/authorized_keys"] == ("ssh-ed25519 K\n", 0o600)


def test_known_hosts_line_names_ip_and_host():
    line = render.known_hosts_line(config.Host(1), "ssh-ed25519 AAAAkey root@spark-sim-1\n")
    assert line == "10.99.0.11,spark-sim-1 ssh-ed25519 AAAAkey\n"


def test_image_files_apt_proxy_and_fixtures():
    files = render.image_files()
    assert 'Acquire::http::Proxy "http://10.99.0.1:3142";' in files["etc/apt/apt.conf.d/01simlab-proxy"][0]
    assert files["usr/local/sbin/udevadm"][1] == 0o755
    unit = _ini(files["etc/systemd/system/simlab-engine-cgroups.service"][0])
    assert unit["Unit"]["DefaultDependencies"] == "no"
    assert {"sysinit.target", "docker.service", "containerd.service"} <= set(unit["Unit"]["Before"].split())
    assert "remount,rw,bind" in unit["Service"]["ExecStart"]
    assert unit["Install"]["WantedBy"] == "sysinit.target"
    assert "HostKey /etc/ssh/ssh_host_ed25519_key" in files["etc/ssh/sshd_config.d/50-simlab.conf"][0]


@pytest.mark.parametrize("args,rc", [(["trigger", "--action=add"], 0), (["settle"], 0)])
def test_udevadm_shim_noops_trigger_and_settle(tmp_path, args, rc):
    shim = tmp_path / "udevadm"
    shim.write_text(render.UDEVADM_SHIM)
    assert subprocess.run(["sh", str(shim), *args], check=False).returncode == rc


def test_udevadm_shim_execs_the_real_one_otherwise(tmp_path):
    shim = tmp_path / "udevadm"
    shim.write_text(render.UDEVADM_SHIM.replace("/usr/bin/udevadm", "echo real"))
    out = subprocess.run(["sh", str(shim), "info", "/sys/x"], capture_output=True, text=True,
                         check=True).stdout
    assert out == "real info /sys/x\n"


def test_nspawn_argv_has_the_measured_options():
    argv = render.nspawn_argv(config.Host(1), config.layout("switch:2").nics_of(config.Host(1)), Path("/s/m"),
                              Path("/s/d"))
    assert argv[0] == "systemd-nspawn" and argv[argv.index("-D") + 1] == "/s/m"
    for opt in ("--machine=spark-sim-1", "--register=no", "--keep-unit", "--network-bridge=splab-mgmt",
                "--network-veth-extra=splab-q1:qsfp0", "--capability=CAP_NET_ADMIN", "--link-journal=no",
                "--timezone=off", "-b", "--console=pipe", "--system-call-filter=add_key keyctl",
                "--bind=/s/d:/var/lib/docker"):
        assert opt in argv, opt
    # never these (sim-lab reference: they break the VM or the host)
    assert not any(a.startswith("--bind=/sys") for a in argv)
    assert "--register=yes" not in argv


# ------------------------------------------------------------------------------- service configs

def test_acng_conf_is_minimal_and_bound_to_the_bridge():
    text = render.acng_conf(Path("/c/acng"), Path("/s/log"), Path("/s/run"))
    assert "BindAddress: 10.99.0.1\n" in text and "Port: 3142\n" in text
    assert "CacheDir: /c/acng\n" in text
    assert "Remap" not in text and "0.0.0.0" not in text


def test_registry_conf_binds_the_bridge_and_shares_storage():
    a, b = render.registry_conf(Path("/c/reg"), 5000), render.registry_conf(Path("/c/reg"), 80)
    assert "addr: 10.99.0.1:5000\n" in a and "addr: 10.99.0.1:80\n" in b
    assert "rootdirectory: /c/reg\n" in a and "rootdirectory: /c/reg\n" in b
    assert "\nauth:" not in a and "inmemory" not in a


# ------------------------------------------------------------------------------------------ cgroups

PROC_CGROUP = """9:name=systemd:/
8:pids:/
4:memory:/process_api/abc
3:cpuset:/
2:cpu,cpuacct:/
0::/
"""
MOUNTINFO = """31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
50 20 8:1 / / rw - ext4 /dev/vda rw
"""


def test_parse_proc_cgroup():
    own = cgroups.parse_proc_cgroup(PROC_CGROUP)
    assert own["memory"] == "/process_api/abc" and own["cpu"] == own["cpuacct"] == "/"
    assert own["name=systemd"] == "/" and own[""] == "/"


def test_parse_mountinfo_finds_every_hierarchy():
    mounts = cgroups.parse_mountinfo(MOUNTINFO)
    assert ("/sys/fs/cgroup/cpu,cpuacct", "cgroup", ("cpu", "cpuacct")) in mounts
    assert ("/sys/fs/cgroup/systemd", "cgroup", ("name=systemd",)) in mounts
    assert ("/sys/fs/cgroup/unified", "cgroup2", ()) in mounts
    assert len(mounts) == 6


def test_host_cgroups_nest_under_the_callers_own_cgroup():
    hiers = cgroups.hierarchies(PROC_CGROUP, MOUNTINFO)
    dirs = {h.mountpoint: d for h, d in cgroups.host_cgroup_dirs(hiers, "splab-spark-sim-1")}
    assert dirs == {
        "/sys/fs/cgroup/cpu,cpuacct": "/sys/fs/cgroup/cpu,cpuacct/splab-spark-sim-1",
        "/sys/fs/cgroup/cpuset": "/sys/fs/cgroup/cpuset/splab-spark-sim-1",
        "/sys/fs/cgroup/memory": "/sys/fs/cgroup/memory/process_api/abc/splab-spark-sim-1",
        "/sys/fs/cgroup/pids": "/sys/fs/cgroup/pids/splab-spark-sim-1",
        "/sys/fs/cgroup/systemd": "/sys/fs/cgroup/systemd/splab-spark-sim-1",
        "/sys/fs/cgroup/unified": "/sys/fs/cgroup/unified/splab-spark-sim-1",
    }
    assert [h.is_cpuset for h in hiers].count(True) == 1


def test_cgroup_remove_is_depth_first(tmp_path):
    top = tmp_path / "splab-spark-sim-1"
    (top / "payload" / "docker" / "abc").mkdir(parents=True)
    (top / "docker").mkdir()
    assert cgroups.remove([str(top), str(tmp_path / "absent")]) == []
    assert not top.exists()


# ---------------------------------------------------------------------------------------- rootfs

def test_recipe_hash_is_stable_and_follows_the_recipe(monkeypatch):
    h = rootfs.recipe_hash()
    assert h == rootfs.recipe_hash() and len(h) == 16
    monkeypatch.setattr(rootfs, "PACKAGES", rootfs.PACKAGES + ("vim",))
    assert rootfs.recipe_hash() != h


def test_recipe_has_what_pyinfra_and_the_hosts_need():
    for pkg in ("systemd-sysv", "dbus", "openssh-server", "python3", "sudo", "curl", "gnupg", "lsb-release",
                "iproute2", "iputils-ping", "ca-certificates", "udev"):
        assert pkg in rootfs.PACKAGES
    assert "apt-cache gencaches" in rootfs.CLEANUP
    assert "usr/local/sbin/udevadm" in rootfs.recipe()["files"]


# ------------------------------------------------------------------------------------- inventory

def _load(text):
    """Top-level NAME = literal assignments (anything else fails: the inventory must be data only)."""
    tree = ast.parse(text)
    assert all(isinstance(n, ast.Assign) for n in tree.body), "inventory must be data only"
    return {n.targets[0].id: ast.literal_eval(n.value) for n in tree.body}


def test_rendered_inventory_is_data_for_n_hosts():
    ns = _load(render.inventory(config.layout("switch:4"), Path("/st")))
    hosts, group = ns["sim_sparks"]
    assert [h[0] for h in hosts] == ["spark-sim-1", "spark-sim-2", "spark-sim-3", "spark-sim-4"]
    qsfp = [{"name": "qsfp0", "address": "192.168.100.13/24", "mtu": 9000}]
    assert hosts[3][1] == {"ssh_hostname": "10.99.0.14", "qsfp_interfaces": qsfp}
    assert group["ssh_key"] == "/st/ssh/id_ed25519"
    assert group["ssh_known_hosts_file"] == "/st/ssh/known_hosts"
    assert group["ssh_strict_host_key_checking"] == "yes" and group["ssh_user"] == "root"


def test_repo_sim_lab_inventory_is_data_only_and_matches_the_plan():
    text = (REPO / "inventories" / "sim_lab.py").read_text()
    nodes = list(ast.walk(ast.parse(text)))
    assert not any(isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.Call)) for n in nodes)
    hosts, group = _load(text)["sim_sparks"]
    want_hosts, want_group = render.inventory_data(config.layout("switch:2"))
    assert [h[0] for h in hosts] == [h[0] for h in want_hosts]
    for (_, data), (_, want) in zip(hosts, want_hosts):
        assert {k: data[k] for k in want} == want
    assert {k: group[k] for k in want_group} == want_group


def test_inventory_command_keeps_the_repo_group_data(tmp_path):
    base = tmp_path / "sim_lab.py"
    base.write_text('sim_sparks = ([("spark-sim-1", {})], {"mirror_url": "http://10.99.0.1:8080/", '
                    '"ssh_key": "/old/key"})\n')
    text = commandline.inventory_text("switch:3", config.Paths(Path("/st"), Path("/ca")), base)
    hosts, group = _load(text)["sim_sparks"]
    assert len(hosts) == 3 and group["mirror_url"] == "http://10.99.0.1:8080/"
    assert group["ssh_key"] == "/st/ssh/id_ed25519"


def test_ring_and_classroom_inventories_name_their_clusters():
    ring_hosts, _ = _load(render.inventory(config.layout("ring"), Path("/st")))["sim_sparks"]
    assert ring_hosts[1][1] == {"ssh_hostname": "10.99.0.12", "cluster": "ring", "cluster_topology": "ring",
                                "qsfp_interfaces": [{"name": "enp1s0f0np0", "address": "192.168.4.1/24", "mtu": 9000},
                                                    {"name": "enp1s0f1np1", "address": "192.168.0.2/24", "mtu": 9000}]}
    room_hosts, _ = _load(render.inventory(config.layout("classroom:1+1"), Path("/st")))["sim_sparks"]
    assert room_hosts[0][1] == {"ssh_hostname": "10.99.0.11"}
    assert room_hosts[2][1]["cluster"] == "pair-1"


@pytest.mark.parametrize("spec", ["ring", "classroom:2+1", "switch:4"])
def test_every_topologys_inventory_validates(tmp_path, spec):
    from sparklab.inventory import load_lab

    inventory = tmp_path / "lab.py"
    inventory.write_text(commandline.inventory_text(spec, config.Paths(Path("/st"), Path("/ca"))))
    lab = load_lab(inventory)
    assert len(lab.hosts) == len(config.layout(spec).hosts)


def test_inventory_cli_prints_a_loadable_file():
    out = subprocess.run([sys.executable, "-m", "simlab", "inventory", "--hosts", "3"], cwd=REPO,
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "SPARKLAB_SIM_STATE": "/var/lib/sparklab-sim"}).stdout
    hosts, group = _load(out)["sim_sparks"]
    assert [h[1]["ssh_hostname"] for h in hosts] == ["10.99.0.11", "10.99.0.12", "10.99.0.13"]
    assert group["lab_user"] == "student" and group["mgmt_interface"] == "host0"
