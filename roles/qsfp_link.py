"""The QSFP link: NVIDIA's netplan file (`/etc/netplan/40-cx7.yaml`, 0600) from the inventory, as NVIDIA's plan for
the host's cluster topology writes it (the pair's and the switch's `addresses` then `dhcp4: no`, the ring's
`dhcp4: false` first).

`netplan apply` runs only when the file changed. Rollback (NVIDIA's): remove the file, then
`netplan apply`. The interfaces are checked first (`qsfp_preflight`, at the start of level 6), so
a wrong cable or port fails the host before anything is written on it.
"""

from pyinfra import host, logger
from pyinfra.api import deploy
from pyinfra.operations import apt, files, server

from sparklab.facts import NetworkLinks
from sparklab.inventory import QsfpInterface
from sparklab.operations import interfaces_present
from sparklab.peers import this_cluster
from sparklab.templates import block_syntax

DEFAULTS = {
    "qsfp_netplan_file": "/etc/netplan/40-cx7.yaml",
    # Extra netplan keys for every QSFP interface (the simulated lab adds {"accept-ra": false}).
    "qsfp_netplan_options": {},
}


def interfaces() -> list[QsfpInterface]:
    return [QsfpInterface(**i) for i in host.data.get("qsfp_interfaces") or []]


@deploy("QSFP preflight")
def qsfp_preflight():
    names = [i.name for i in interfaces()]
    if not names:
        return
    links = host.get_fact(NetworkLinks)
    for name in names:
        if links.get(name) == "Down":
            logger.warning(f"[{host.name}] QSFP: {name} is Down (cable in the same physical port on every node?)")
    interfaces_present(name="QSFP interfaces present", names=names)


@deploy("QSFP link", data_defaults=DEFAULTS)
def qsfp_link():
    planned = interfaces()
    if not planned:
        logger.info(f"[{host.name}] QSFP link: not applicable (no qsfp_interfaces in the inventory)")
        return
    apt.packages(name="netplan", packages=["netplan.io"])
    plan = files.template(
        name="netplan file", src="templates/qsfp/40-cx7.yaml.j2", dest=host.data.qsfp_netplan_file, mode="600",
        interfaces=planned, topology=this_cluster().topology.name, options=host.data.qsfp_netplan_options,
        jinja_env_kwargs=block_syntax(),
    )
    server.shell(name="netplan apply", commands=["netplan apply"], _if=plan.did_change)
