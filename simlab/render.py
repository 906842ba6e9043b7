"""Text of every file simlab writes: guest config, lab-only fixtures, service configs, inventory.

Pure functions only (unit-tested in tests/unit/simlab/).
"""
from __future__ import annotations

from pathlib import Path

from . import config
from .config import Host, Layout, Nic

# ---------------------------------------------------------------------------------------------
# Files baked into the rootfs image (they are part of the recipe hash: see rootfs.recipe()).
# ---------------------------------------------------------------------------------------------

APT_PROXY_CONF = f'''// simlab: hosts reach packages only through apt-cacher-ng on the lab bridge
Acquire::http::Proxy "http://{config.LAB_ADDR}:{config.APT_PROXY_PORT}";
// the lab mirror is served directly: a rebuilt (re-signed) repo is never served stale
Acquire::http::Proxy::{config.LAB_ADDR} "DIRECT";
// the VM's Debian mirror serves snapshot-dated Release files, as on the VM itself
Acquire::Check-Valid-Until "false";
'''

# contrib, like Ubuntu's universe on DGX OS: nvtop lives there.
SOURCES_LIST = f'''deb {config.DEBIAN_MIRROR} {config.SUITE} main contrib
deb {config.DEBIAN_MIRROR} {config.SUITE}-updates main contrib
deb {config.DEBIAN_SECURITY} {config.SUITE}-security main contrib
'''

# netplan apply runs `udevadm trigger` / `udevadm settle`; /sys is read-only in an nspawn host.
UDEVADM_SHIM = '''#!/bin/sh
# simlab LAB-ONLY fixture (never on a real Spark): /sys is read-only in a systemd-nspawn host,
# so `udevadm trigger` fails and `udevadm settle` has no udevd to wait for. netplan apply calls both.
case "$1" in
    trigger|settle) exit 0 ;;
esac
exec /usr/bin/udevadm "$@"
'''

ENGINE_CGROUPS_UNIT = '''[Unit]
Description=simlab lab-only fixture: make the cgroup v1 hierarchies writable for a container engine
DefaultDependencies=no
ConditionVirtualization=container
Before=sysinit.target containerd.service docker.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'for d in /sys/fs/cgroup/*/; do mount -o remount,rw,bind "$d" || true; done'

[Install]
WantedBy=sysinit.target
'''
ENGINE_CGROUPS_UNIT_NAME = "simlab-engine-cgroups.service"

SSHD_CONF = '''# simlab: the host key is generated on the VM and listed in $SPARKLAB_SIM_STATE/ssh/known_hosts
HostKey /etc/ssh/ssh_host_ed25519_key
UseDNS no
'''

RESOLV_CONF = (
    "# simlab: no DNS server in the lab; lab names come from /etc/hosts. Nothing answers DNS on 10.99.0.1, so\n"
    "# a lookup fails at once, in containers too (without a nameserver here docker gives them 8.8.8.8, "
    "unreachable: every\n"
    "# lookup then waits 10 s, e.g. datasets' \"datasets-server.<HF_ENDPOINT host>\").\n"
    "nameserver 10.99.0.1\n"
)

POLICY_RC_D = '''#!/bin/sh
# simlab rootfs build: never start daemons inside the build chroot
exit 101
'''


def image_files() -> dict[str, tuple[str, int]]:
    """Path inside the rootfs -> (text, mode) for every fixture baked into the image."""
    return {
        "etc/apt/apt.conf.d/01simlab-proxy": (APT_PROXY_CONF, 0o644),
        "etc/apt/sources.list": (SOURCES_LIST, 0o644),
        "usr/local/sbin/udevadm": (UDEVADM_SHIM, 0o755),
        f"etc/systemd/system/{ENGINE_CGROUPS_UNIT_NAME}": (ENGINE_CGROUPS_UNIT, 0o644),
        "etc/ssh/sshd_config.d/50-simlab.conf": (SSHD_CONF, 0o644),
        "etc/resolv.conf": (RESOLV_CONF, 0o644),
    }


# ---------------------------------------------------------------------------------------------
# Per-host files, written into the host's overlay before boot.
# ---------------------------------------------------------------------------------------------

def host0_network(host: Host) -> str:
    return f'''# simlab: management NIC, static, no gateway (hosts reach only the lab bridge)
[Match]
Name=host0

[Network]
Address={host.mgmt_ip}/{config.MGMT_PREFIX}
LinkLocalAddressing=no
IPv6AcceptRA=no
'''


def qsfp_network(nic: Nic) -> str:
    return f'''# simlab: QSFP stand-in, link up with no address. The level-6 role configures it with
# netplan, whose /run/systemd/network/10-netplan-*.network files sort before this one and win.
[Match]
Name={nic.inside}

[Link]
RequiredForOnline=no

[Network]
LinkLocalAddressing=no
IPv6AcceptRA=no
ConfigureWithoutCarrier=yes
'''


def etc_hosts(host: Host) -> str:
    return f'''127.0.0.1\tlocalhost
127.0.1.1\t{host.name}
::1\tlocalhost ip6-localhost ip6-loopback
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
# simlab: lab services on the management bridge (nvcr.io, ghcr.io, quay.io: the lab registry on port 80)
{config.LAB_ADDR}\tnvcr.io ghcr.io quay.io mirror.sim
'''


def host_files(host: Host, nics: list[Nic], machine_id: str, host_key: str, host_key_pub: str,
               authorized_key: str) -> dict[str, tuple[str, int]]:
    """Path inside the host root -> (text, mode) written into the host's overlay."""
    return {
        "etc/hostname": (host.name + "\n", 0o644),
        "etc/machine-id": (machine_id + "\n", 0o444),
        "etc/hosts": (etc_hosts(host), 0o644),
        "etc/systemd/network/50-simlab-host0.network": (host0_network(host), 0o644),
        **{f"etc/systemd/network/50-simlab-{nic.inside}.network": (qsfp_network(nic), 0o644) for nic in nics},
        "etc/ssh/ssh_host_ed25519_key": (host_key, 0o600),
        "etc/ssh/ssh_host_ed25519_key.pub": (host_key_pub, 0o644),
        "root/.ssh/authorized_keys": (authorized_key, 0o600),
    }


def known_hosts_line(host: Host, host_key_pub: str) -> str:
    keytype, key = host_key_pub.split()[:2]
    return f"{host.mgmt_ip},{host.name} {keytype} {key}\n"


# ---------------------------------------------------------------------------------------------
# nspawn
# ---------------------------------------------------------------------------------------------

def nspawn_argv(host: Host, nics: list[Nic], merged: Path, docker_dir: Path) -> list[str]:
    return [
        "systemd-nspawn",
        "-D", str(merged),
        f"--machine={host.name}",
        "--register=no", "--keep-unit",
        f"--network-bridge={config.MGMT_BRIDGE}",
        *(f"--network-veth-extra={nic.hostside}:{nic.inside}" for nic in nics),
        "--capability=CAP_NET_ADMIN",
        "--link-journal=no", "--timezone=off", "--resolv-conf=off",
        # engine host: keyring syscalls for runc, docker's data on the VM's ext4 (overlay2 works there)
        "--system-call-filter=add_key keyctl",
        f"--bind={docker_dir}:/var/lib/docker",
        "-b", "--console=pipe",
    ]


# ---------------------------------------------------------------------------------------------
# Lab services on the VM (all bound to the lab bridge address only)
# ---------------------------------------------------------------------------------------------

def acng_conf(cache_dir: Path, log_dir: Path, run_dir: Path) -> str:
    # No Remap-* lines: with the packaged backends apt-cacher-ng answers `503 Host not found`.
    return f'''# simlab: apt-cacher-ng's own minimal config (not the package's)
CacheDir: {cache_dir}
LogDir: {log_dir}
SupportDir: /usr/lib/apt-cacher-ng
Port: {config.APT_PROXY_PORT}
BindAddress: {config.LAB_ADDR}
PidFile: {run_dir}/apt-cacher-ng.pid
SocketPath: {run_dir}/apt-cacher-ng.socket
ExThreshold: 4
'''


def registry_conf(storage: Path, port: int) -> str:
    # No auth, no in-memory blob cache (two instances share one storage directory).
    return f'''# simlab: Debian docker-registry, lab mirror of nvcr.io images (no auth, plain http)
version: 0.1
log:
  level: warn
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: {config.LAB_ADDR}:{port}
  headers:
    X-Content-Type-Options: [nosniff]
'''


# ---------------------------------------------------------------------------------------------
# pyinfra inventory (data only: no imports, no logic)
# ---------------------------------------------------------------------------------------------

def inventory_data(layout: Layout, state: Path = Path(config.DEFAULT_STATE)) -> tuple:
    host_list = []
    for h in layout.hosts:
        data = {"ssh_hostname": h.mgmt_ip}
        nics = layout.nics_of(h)
        if nics:
            data["qsfp_interfaces"] = [{"name": n.inside, "address": n.address, "mtu": config.QSFP_MTU} for n in nics]
        cluster = layout.cluster_of(h)
        if cluster:
            data["cluster"], data["cluster_topology"] = cluster
        host_list.append((h.name, data))
    group = {
        "ssh_user": "root",
        "ssh_key": str(state / "ssh" / "id_ed25519"),
        "ssh_known_hosts_file": str(state / "ssh" / "known_hosts"),
        "ssh_strict_host_key_checking": "yes",
        "mgmt_interface": "host0",
        "lab_user": "student",
    }
    return host_list, group


def inventory(layout: Layout, state: Path = Path(config.DEFAULT_STATE)) -> str:
    host_list, group = inventory_data(layout, state)
    return inventory_from_data(host_list, group, layout.spec)


def inventory_from_data(host_list: list, group: dict, spec: str) -> str:
    lines = [
        f"# Simulated lab: {len(host_list)} Debian hosts booted with systemd-nspawn by "
        f"`python -m simlab up --topology {spec}`.",
        "# Data only (docs/lab-contract.md); generated by `python -m simlab inventory`.",
        "sim_sparks = (",
        "    [",
    ]
    for name, data in host_list:
        lines.append(f"        ({name!r}, {_fmt(data, 8)}),")
    lines += ["    ],", f"    {_fmt(group, 4)},", ")", ""]
    return "\n".join(lines)


def _fmt(value, indent: int) -> str:
    """A Python literal, one dict key per line, short values inline."""
    flat = repr(value)
    if len(flat) + indent <= 96 or not isinstance(value, (dict, list, tuple)):
        return flat
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        items = [f"{pad}{k!r}: {_fmt(v, indent + 4)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    items = [f"{pad}{_fmt(v, indent + 4)}," for v in value]
    return "[\n" + "\n".join(items) + "\n" + " " * indent + "]"
