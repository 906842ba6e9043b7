"""The lab as seen from one host's deploy: its cluster, and the peers in it by the QSFP addresses this host
reaches them on."""

from __future__ import annotations

from dataclasses import dataclass

from pyinfra import host

from sparklab.clusters import Cluster
from sparklab.inventory import HostConfig, current_lab


@dataclass(frozen=True)
class Node:
    name: str
    addresses: tuple[str, ...]  # QSFP addresses, first interface first (no prefix)

    @property
    def address(self) -> str:
        return self.addresses[0]

    def entries(self) -> list[tuple[str, list[str]]]:
        """(address, names) for /etc/hosts and known_hosts: the first QSFP address answers to the
        inventory name and `<name>-qsfp`, further ones to `<name>-qsfp1`, `<name>-qsfp2` …"""
        return [(address, [self.name, f"{self.name}-qsfp"] if i == 0 else [f"{self.name}-qsfp{i}"])
                for i, address in enumerate(self.addresses)]


def this_cluster() -> Cluster | None:
    """The cluster of the host being deployed, or None for a standalone host."""
    lab = current_lab()
    return lab.cluster_of(lab.name_of(host.name))


def nodes() -> list[Node]:
    """The nodes of this host's cluster in inventory order ([] for a standalone host), each with the addresses
    this host reaches it on: all of a peer's on a pair or a switch, the cable's between them on a ring."""
    cluster = this_cluster()
    if cluster is None:
        return []
    me = current_host()
    return [Node(h.name, cluster.addresses_seen_from(me, h)) for h in cluster.hosts]


def current_host() -> HostConfig:
    """The inventory's model of the host being deployed."""
    lab = current_lab()
    return lab.host(lab.name_of(host.name))
