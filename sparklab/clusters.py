"""Clusters: the hosts of an inventory joined by QSFP cables, and the rules each cluster's plan must keep.

A host with QSFP interfaces belongs to the cluster its ``cluster`` names, with the ``cluster_topology`` its
members give (NVIDIA's plans: ``pair``, ``ring``, ``switch``; unset, up to two nodes are a pair, more a switch).
Hosts with interfaces and no ``cluster`` form one cluster, ``lab``, so an inventory written for one pair keeps
working. Hosts without interfaces are standalone.

The cabling is the data: every subnet of a point-to-point cluster is one cable's link between two nodes, and a
switch puts every node in every subnet. Addresses must be unique within a cluster and may repeat across clusters
(every pair may use NVIDIA's 192.168.100.10/.11 on its own cable).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from sparklab.interconnect import TOPOLOGIES, Topology

# The cluster of hosts with QSFP interfaces and no `cluster` name.
UNNAMED = "lab"
# A CX-7 logical interface ends in its physical port (`enp1s0f1np1` and `enP2p1s0f1np1` ride port 1's cable).
PORT = re.compile(r"np(\d+)$")


class ClusterError(ValueError):
    """A cluster's plan breaks a rule; names the cluster, the host and the field."""

    def __init__(self, cluster: str, host: str, field: str, message: str):
        super().__init__(f"cluster {cluster}: host {host}: {field}: {message}")
        self.cluster, self.host, self.field = cluster, host, field


@dataclass(frozen=True)
class End:
    """One interface of one host: a cable's (or the switch's) end."""

    host: Any  # sparklab.inventory.HostConfig
    index: int

    @property
    def iface(self):
        return self.host.qsfp_interfaces[self.index]

    @property
    def port(self) -> str:
        match = PORT.search(self.iface.name)
        return f"port {match.group(1)}" if match else self.iface.name

    @property
    def field(self) -> str:
        return f"qsfp_interfaces[{self.index}].address"

    def __str__(self) -> str:
        return f"{self.host.name} ({self.iface.name})"


@dataclass(frozen=True)
class Cluster:
    name: str
    topology: Topology
    hosts: tuple  # HostConfig, inventory order

    @property
    def names(self) -> list[str]:
        return [h.name for h in self.hosts]

    def subnets(self) -> dict[ipaddress.IPv4Network, list[End]]:
        """Every subnet of the cluster and the interfaces in it, in inventory order."""
        found: dict[ipaddress.IPv4Network, list[End]] = {}
        for host in self.hosts:
            for index, iface in enumerate(host.qsfp_interfaces):
                found.setdefault(iface.address.network, []).append(End(host, index))
        return found

    def addresses_seen_from(self, me, peer) -> tuple[str, ...]:
        """``peer``'s QSFP addresses that ``me`` reaches directly (on a subnet of its own), its interface order; a
        host's own addresses for itself. On a pair or a switch that is all of them; on a ring, the cable between."""
        if me.name == peer.name:
            return tuple(str(i.address.ip) for i in peer.qsfp_interfaces)
        mine = {i.address.network for i in me.qsfp_interfaces}
        return tuple(str(i.address.ip) for i in peer.qsfp_interfaces if i.address.network in mine)


def clusters_of(hosts: Sequence) -> list[Cluster]:
    """The clusters of validated hosts, in order of their first host; raises ClusterError on a bad topology."""
    members: dict[str, list] = {}
    for host in hosts:
        if host.qsfp_interfaces:
            members.setdefault(host.cluster or UNNAMED, []).append(host)
        elif host.cluster:
            raise ClusterError(host.cluster, host.name, "cluster",
                               f"{host.name} has no qsfp_interfaces; a cluster member needs its QSFP links")
    return [Cluster(name, _topology(name, group), tuple(group)) for name, group in members.items()]


def _topology(cluster: str, hosts: list) -> Topology:
    said = [h for h in hosts if h.cluster_topology]
    for other in said[1:]:
        if other.cluster_topology != said[0].cluster_topology:
            raise ClusterError(cluster, other.name, "cluster_topology",
                               f"{other.cluster_topology} differs from {said[0].name}'s {said[0].cluster_topology}")
    return TOPOLOGIES[said[0].cluster_topology if said else ("pair" if len(hosts) <= 2 else "switch")]


def check(cluster: Cluster) -> None:
    """Every rule of one cluster, before connecting; raises ClusterError naming the cluster, host and field."""
    _check_addresses(cluster)
    _check_members(cluster)
    _check_subnets(cluster)
    if cluster.topology.point_to_point:
        _check_cables(cluster)
    _check_everyone_linked(cluster)


def _check_members(cluster: Cluster) -> None:
    topology, hosts, first = cluster.topology, cluster.hosts, cluster.hosts[0]
    if len(hosts) < topology.min_nodes or (topology.max_nodes and len(hosts) > topology.max_nodes):
        wanted = (f"{topology.min_nodes}" if topology.min_nodes == topology.max_nodes
                  else f"at least {topology.min_nodes}")
        raise ClusterError(cluster.name, hosts[-1].name, "cluster",
                           f"a {topology.name} has {wanted} nodes, this one has {len(hosts)} "
                           f"({', '.join(cluster.names)})")
    for host in hosts[1:]:
        if host.lab_user != first.lab_user:
            raise ClusterError(cluster.name, host.name, "lab_user",
                               f"{host.lab_user} differs from {first.name}'s {first.lab_user}; "
                               "multi-node needs the same user name on every node")
        names, planned = [i.name for i in host.qsfp_interfaces], [i.name for i in first.qsfp_interfaces]
        if sorted(names) != sorted(planned):
            raise ClusterError(cluster.name, host.name, "qsfp_interfaces",
                               f"uses {', '.join(names)} but {first.name} uses {', '.join(planned)}; "
                               "use the same physical ports on every node")
    if topology.sockets_on_management:
        for host in hosts:
            if not host.mgmt_interface:
                raise ClusterError(cluster.name, host.name, "mgmt_interface",
                                   f"a {topology.name}'s NCCL bootstrap and sockets run on the management network "
                                   "(no QSFP address reaches every node); name its interface, e.g. enP7s7")


def _check_addresses(cluster: Cluster) -> None:
    seen: dict[ipaddress.IPv4Address, End] = {}
    for end in (e for ends in cluster.subnets().values() for e in ends):
        ip = end.iface.address.ip
        if ip in seen:
            raise ClusterError(cluster.name, end.host.name, end.field, f"{ip} is already used by {seen[ip]}")
        seen[ip] = end
    for host in cluster.hosts:
        for index, iface in enumerate(host.qsfp_interfaces):
            for other in host.qsfp_interfaces[:index]:
                if iface.address.network.overlaps(other.address.network):
                    raise ClusterError(
                        cluster.name, host.name, f"qsfp_interfaces[{index}].address",
                        f"{iface.address} shares a subnet with {other.name} ({other.address}); two interfaces of "
                        "one node in one subnet make routing ambiguous and NCCL fail")


def _check_subnets(cluster: Cluster) -> None:
    subnets = cluster.subnets()
    for subnet, ends in subnets.items():
        for other in subnets:
            if other != subnet and other.overlaps(subnet):
                raise ClusterError(cluster.name, ends[0].host.name, ends[0].field,
                                   f"subnet {subnet} overlaps {other}; every link needs a subnet of its own")
        members = ", ".join(str(e) for e in ends)
        if cluster.topology.point_to_point and len(ends) != 2:
            problem = "has no other end" if len(ends) == 1 else f"joins {len(ends)} interfaces: {members}"
            raise ClusterError(cluster.name, ends[-1].host.name, ends[-1].field,
                               f"subnet {subnet} {problem}; on a {cluster.topology.name} each subnet is one "
                               "cable between two nodes")
        if not cluster.topology.point_to_point and len(ends) != len(cluster.hosts):
            missing = [h.name for h in cluster.hosts if h.name not in {e.host.name for e in ends}]
            raise ClusterError(cluster.name, missing[0], "qsfp_interfaces",
                               f"no address in subnet {subnet} ({members} are in it); on a switch every node "
                               "has an address in every subnet")


def _check_cables(cluster: Cluster) -> None:
    """Both logical interfaces of one physical port ride one cable, so they reach one peer; NVIDIA's ring cables
    port 0 of each node to port 1 of the next, so a cable never joins two ports of one number."""
    reaches: dict[tuple[str, str], tuple[str, ipaddress.IPv4Network]] = {}
    for subnet, (one, two) in cluster.subnets().items():
        for end, peer in ((one, two), (two, one)):
            key = (end.host.name, end.port)
            if key in reaches and reaches[key][0] != peer.host.name:
                other_peer, other_subnet = reaches[key]
                raise ClusterError(cluster.name, end.host.name, end.field,
                                   f"{end.port} reaches {other_peer} on {other_subnet} and {peer.host.name} on "
                                   f"{subnet}; one port is one cable, to one node")
            reaches[key] = (peer.host.name, subnet)
        if cluster.topology.name == "ring" and PORT.search(one.iface.name) and one.port == two.port:
            raise ClusterError(cluster.name, two.host.name, two.field,
                               f"subnet {subnet} joins {one.port} of {one.host.name} to {two.port} of "
                               f"{two.host.name}; NVIDIA's ring cables port 0 of each node to port 1 of the next "
                               "(are two cables swapped?)")


def _check_everyone_linked(cluster: Cluster) -> None:
    for one, two in combinations(cluster.hosts, 2):
        if not cluster.addresses_seen_from(one, two):
            raise ClusterError(cluster.name, two.name, "qsfp_interfaces",
                               f"{one.name} and {two.name} share no subnet; every node of a cluster needs a "
                               "direct link to every other")
