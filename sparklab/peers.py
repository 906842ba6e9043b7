"""The whole lab as seen from one host's deploy: its peers and their QSFP addresses."""

from __future__ import annotations

from dataclasses import dataclass

from pyinfra import host

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


def nodes() -> list[Node]:
    """Every host of the inventory with QSFP interfaces, in inventory order."""
    return [Node(h.name, tuple(str(i.address.ip) for i in h.qsfp_interfaces))
            for h in current_lab().hosts if h.qsfp_interfaces]


def this_node() -> Node | None:
    name = current_lab().name_of(host.name)
    return next((n for n in nodes() if n.name == name), None)


def current_host() -> HostConfig:
    """The inventory's model of the host being deployed."""
    lab = current_lab()
    return lab.host(lab.name_of(host.name))
