"""Peer names: every node's QSFP addresses in /etc/hosts (one managed block, no duplicates)."""

from pyinfra import host, logger
from pyinfra.api import deploy
from pyinfra.operations import files

from sparklab.peers import nodes
from sparklab.templates import render

MARKER = "# {mark} spark-lab QSFP peers"


@deploy("Peer names")
def peer_names():
    if not nodes():
        logger.info(f"[{host.name}] Peer names: not applicable (no QSFP links in the inventory)")
        return
    files.block(name="QSFP names in /etc/hosts", path="/etc/hosts", marker=MARKER,
                content=render("mesh/hosts.j2", nodes=nodes()).rstrip("\n"))
