"""Lab bridges and links on the VM (iproute2)."""
from __future__ import annotations

import json
import subprocess
import time

from . import config
from .procs import run


def links() -> list[str]:
    out = subprocess.run(["ip", "-j", "link", "show"], check=True, capture_output=True, text=True).stdout
    return [link["ifname"] for link in json.loads(out or "[]")]


def link_exists(name: str) -> bool:
    r = subprocess.run(["ip", "link", "show", "dev", name], capture_output=True, check=False)
    return r.returncode == 0


def addresses(name: str) -> list[str]:
    out = subprocess.run(["ip", "-j", "addr", "show", "dev", name], capture_output=True, text=True,
                         check=False).stdout
    try:
        return [f"{a['local']}/{a['prefixlen']}" for link in json.loads(out) for a in link.get("addr_info", [])]
    except (ValueError, KeyError):
        return []


def _sysctl(key: str, value: str) -> None:
    try:
        with open("/proc/sys/" + key.replace(".", "/"), "w") as f:
            f.write(value)
    except OSError:
        pass


def bridges() -> list[str]:
    out = subprocess.run(["ip", "-j", "link", "show", "type", "bridge"], check=True, capture_output=True,
                         text=True).stdout
    return [link["ifname"] for link in json.loads(out or "[]")]


def ensure_bridges(qsfp_bridges: list[str]) -> None:
    """splab-mgmt with the VM's 10.99.0.1/24; the QSFP bridges (a switch's, or one per cable; MTU 9000) with no VM
    address."""
    for br, mtu in ((config.MGMT_BRIDGE, None), *((b, config.QSFP_MTU) for b in qsfp_bridges)):
        if not link_exists(br):
            run(["ip", "link", "add", br, "type", "bridge"])
        # no IPv6 link-local noise on the lab bridges
        _sysctl(f"net.ipv6.conf.{br}.disable_ipv6", "1")
        if mtu:
            run(["ip", "link", "set", br, "mtu", str(mtu)])
        run(["ip", "link", "set", br, "up"])
    want = f"{config.LAB_ADDR}/{config.MGMT_PREFIX}"
    if want not in addresses(config.MGMT_BRIDGE):
        run(["ip", "addr", "add", want, "dev", config.MGMT_BRIDGE])
    # the bind address must be usable before services start
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        out = subprocess.run(["ip", "-j", "addr", "show", "dev", config.MGMT_BRIDGE],
                             capture_output=True, text=True, check=False).stdout
        if '"tentative"' not in out:
            break
        time.sleep(0.1)


def attach_qsfp(nic: config.Nic, timeout: float = 20.0) -> None:
    """Enslave the VM side of a QSFP stand-in veth (made by nspawn) to its bridge with MTU 9000."""
    deadline = time.monotonic() + timeout
    while not link_exists(nic.hostside):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{nic.host.name}: nspawn did not create {nic.hostside} in {timeout:.0f}s")
        time.sleep(0.05)
    _sysctl(f"net.ipv6.conf.{nic.hostside}.disable_ipv6", "1")
    run(["ip", "link", "set", nic.hostside, "mtu", str(config.QSFP_MTU)])
    run(["ip", "link", "set", nic.hostside, "master", nic.bridge])
    run(["ip", "link", "set", nic.hostside, "up"])


def lab_links() -> list[str]:
    return [name for name in links() if name.startswith((config.LINK_PREFIX, "vb-spark-sim-"))]


def delete_links() -> None:
    # veths first (they vanish with the host's network namespace anyway), bridges last
    lab_bridges = set(bridges())
    names = sorted(lab_links(), key=lambda n: n in lab_bridges)
    for name in names:
        run(["ip", "link", "del", name], check=False, stderr=subprocess.DEVNULL)
