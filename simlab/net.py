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


def ensure_bridges() -> None:
    """splab-mgmt with the VM's 10.99.0.1/24; splab-qsfp (MTU 9000) with no VM address."""
    for br, mtu in ((config.MGMT_BRIDGE, None), (config.QSFP_BRIDGE, config.QSFP_MTU)):
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


def attach_qsfp(host: config.Host, timeout: float = 20.0) -> None:
    """Enslave the VM side of the host's qsfp0 veth (made by nspawn) to splab-qsfp with MTU 9000."""
    deadline = time.monotonic() + timeout
    while not link_exists(host.qsfp_hostside):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{host.name}: nspawn did not create {host.qsfp_hostside} in {timeout:.0f}s")
        time.sleep(0.05)
    _sysctl(f"net.ipv6.conf.{host.qsfp_hostside}.disable_ipv6", "1")
    run(["ip", "link", "set", host.qsfp_hostside, "mtu", str(config.QSFP_MTU)])
    run(["ip", "link", "set", host.qsfp_hostside, "master", config.QSFP_BRIDGE])
    run(["ip", "link", "set", host.qsfp_hostside, "up"])


def lab_links() -> list[str]:
    return [name for name in links() if name.startswith((config.LINK_PREFIX, "vb-spark-sim-"))]


def delete_links() -> None:
    # veths first (they vanish with the host's network namespace anyway), bridges last
    names = sorted(lab_links(), key=lambda n: n in (config.MGMT_BRIDGE, config.QSFP_BRIDGE))
    for name in names:
        run(["ip", "link", "del", name], check=False, stderr=subprocess.DEVNULL)
