"""Names, addresses and paths of the simulated lab (docs/lab-contract.md). Pure: no side effects."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_STATE = "/var/lib/sparklab-sim"
DEFAULT_CACHE = "/var/cache/sparklab-sim"
DEFAULT_HOSTS = 2
MAX_HOSTS = 50

MGMT_BRIDGE = "splab-mgmt"
QSFP_BRIDGE = "splab-qsfp"          # a switch's (and the default lab's) one QSFP bridge
MGMT_NET = "10.99.0"
MGMT_PREFIX = 24
LAB_ADDR = f"{MGMT_NET}.1"          # the VM on the management bridge; every lab service binds here only
QSFP_NET = "192.168.100"
QSFP_MTU = 9000
LINK_PREFIX = "splab-"              # every link/mount/cgroup simlab makes on the VM starts with this

APT_PROXY_PORT = 3142
HTTP_PORT = 8080
HF_HUB_PORT = 8081                  # the stand-in Hugging Face Hub (simlab.hf_hub)
REGISTRY_PORTS = (5000, 80)

DEBIAN_MIRROR = "http://deb.debian.org/debian"
DEBIAN_SECURITY = "http://deb.debian.org/debian-security"
SUITE = "bookworm"


@dataclass(frozen=True)
class Host:
    index: int                      # 1-based

    @property
    def name(self) -> str:
        return f"spark-sim-{self.index}"

    @property
    def mgmt_ip(self) -> str:
        return f"{MGMT_NET}.{10 + self.index}"

    @property
    def mgmt_hostside(self) -> str:
        """VM-side name nspawn gives the host0 veth (vb- + machine name, cut to 15)."""
        return f"vb-{self.name}"[:15]

    @property
    def cgroup_leaf(self) -> str:
        return f"{LINK_PREFIX}{self.name}"


def hosts(n: int) -> list[Host]:
    if not 1 <= n <= MAX_HOSTS:
        raise ValueError(f"number of hosts must be 1..{MAX_HOSTS}, got {n}")
    return [Host(i) for i in range(1, n + 1)]


@dataclass(frozen=True)
class Nic:
    """A QSFP stand-in NIC: one veth, its host end named like the real interface, its VM end on a bridge (a
    cable's, or the switch's). simlab leaves it unaddressed: the level-6 role plans ``address``."""
    host: Host
    inside: str                     # the interface's name in the host
    slot: int                       # 0, 1: which of the host's stand-in NICs
    bridge: str
    address: str

    @property
    def hostside(self) -> str:
        """VM-side name of the veth (at most 15 characters)."""
        return f"{LINK_PREFIX}q{self.host.index}" + (f"n{self.slot}" if self.slot else "")


@dataclass(frozen=True)
class Layout:
    """What `simlab up --topology SPEC` builds: the hosts, their QSFP stand-in NICs, the bridges, and the cluster
    (name, topology) each host's inventory entry names (None: no `cluster` key, or standalone)."""
    spec: str
    hosts: tuple[Host, ...]
    nics: tuple[Nic, ...]
    clusters: tuple[tuple[Host, str, str], ...] = ()

    def nics_of(self, host: Host) -> list[Nic]:
        return [n for n in self.nics if n.host == host]

    def cluster_of(self, host: Host) -> tuple[str, str] | None:
        return next(((name, topology) for h, name, topology in self.clusters if h == host), None)

    @property
    def bridges(self) -> list[str]:
        return list(dict.fromkeys(n.bridge for n in self.nics))


# NVIDIA's ring (connect-three-sparks) on its first logical interface per port: host N's port 0 is cabled to host
# N+1's port 1, one /24 per cable, host -> (port 0 address, port 1 address).
RING_PORTS = ("enp1s0f0np0", "enp1s0f1np1")
RING = {1: ("192.168.0.1/24", "192.168.2.1/24"), 2: ("192.168.4.1/24", "192.168.0.2/24"),
        3: ("192.168.2.2/24", "192.168.4.2/24")}
TOPOLOGY_HELP = ("switch:N (N hosts on one QSFP bridge; 2 is a pair), ring (NVIDIA's ring of three, a bridge "
                 "per cable, two QSFP NICs per host), classroom:S+P (S standalone hosts, then P pairs, each pair on "
                 "its own bridge with NVIDIA's 192.168.100.10/.11)")


def layout(spec: str) -> Layout:
    """The lab a topology spec describes (TOPOLOGY_HELP); ValueError naming the spec when it is not one."""
    kind, _, arg = spec.partition(":")
    try:
        if kind == "switch":
            hs = hosts(int(arg))
            nics = () if len(hs) == 1 else tuple(Nic(h, "qsfp0", 0, QSFP_BRIDGE, f"{QSFP_NET}.{9 + h.index}/24")
                                                 for h in hs)
            return Layout(spec, tuple(hs), nics)
        if kind == "ring" and not arg:
            hs = hosts(3)
            nics = tuple(Nic(h, RING_PORTS[port], port, f"{LINK_PREFIX}ring{(h.index - port - 1) % 3 + 1}",
                             RING[h.index][port]) for h in hs for port in (0, 1))
            return Layout(spec, tuple(hs), nics, tuple((h, "ring", "ring") for h in hs))
        if kind == "classroom":
            standalone, _, pairs = arg.partition("+")
            s, p = int(standalone), int(pairs)
            if s < 0 or p < 1:
                raise ValueError
            hs = hosts(s + 2 * p)
            paired = hs[s:]
            nics = tuple(Nic(h, "qsfp0", 0, f"{LINK_PREFIX}pair{i // 2 + 1}", f"{QSFP_NET}.{10 + i % 2}/24")
                         for i, h in enumerate(paired))
            return Layout(spec, tuple(hs), nics, tuple((h, f"pair-{i // 2 + 1}", "pair") for i, h in enumerate(paired)))
    except ValueError as error:
        if "number of hosts" in str(error):
            raise ValueError(f"topology {spec!r}: {error}") from None
    raise ValueError(f"topology {spec!r}: expected {TOPOLOGY_HELP}")


def default_host_count(env: dict | None = None) -> int:
    env = os.environ if env is None else env
    return int(env.get("SIM_HOSTS", DEFAULT_HOSTS))


# Stand-ins for every secret inventories/sim_lab.py references, under $STATE/secrets/ (name -> the
# prefix the lab mirror's stand-ins check, as the real services do). Made once per lab, so every deploy
# with them changes nothing; `make demo` uses them for the environment variables that are not set.
LAB_SECRET_FILES = {"jupyterlab_token": "", "ngc_api_key": "nvapi-", "tailscale_auth_key": "tskey-auth-",
                    "hf_token": "hf_", "nvidia_api_key": "nvapi-", "tavily_api_key": "tvly-"}


@dataclass(frozen=True)
class Paths:
    state: Path
    cache: Path

    @classmethod
    def from_env(cls, env: dict | None = None) -> Paths:
        env = os.environ if env is None else env
        return cls(Path(env.get("SPARKLAB_SIM_STATE") or DEFAULT_STATE),
                   Path(env.get("SPARKLAB_SIM_CACHE") or DEFAULT_CACHE))

    # --- state (runtime) ---
    @property
    def secrets_dir(self) -> Path:
        return self.state / "secrets"

    @property
    def ssh_dir(self) -> Path:
        return self.state / "ssh"

    @property
    def ssh_key(self) -> Path:
        return self.ssh_dir / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.ssh_dir / "known_hosts"

    @property
    def rootfs(self) -> Path:
        return self.state / "rootfs"

    @property
    def hosts_dir(self) -> Path:
        return self.state / "hosts"

    def host_dir(self, host: Host) -> Path:
        return self.hosts_dir / host.name

    @property
    def services_dir(self) -> Path:
        return self.state / "services"

    @property
    def mirror_dir(self) -> Path:
        return self.state / "mirror"

    @property
    def lab_file(self) -> Path:
        """What `up` built: host count and recipe hash (JSON)."""
        return self.state / "lab.json"

    @property
    def lock_file(self) -> Path:
        return self.state / ".lock"

    # --- cache (kept between runs, never required) ---
    @property
    def rootfs_cache_dir(self) -> Path:
        return self.cache / "rootfs"

    @property
    def acng_cache(self) -> Path:
        return self.cache / "apt-cacher-ng"

    @property
    def registry_storage(self) -> Path:
        return self.cache / "registry"


@dataclass(frozen=True)
class HostPaths:
    """Per-host state: overlay upper/work, the merged root, the docker dir, pidfile, console log."""
    root: Path

    @property
    def upper(self) -> Path:
        return self.root / "upper"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def merged(self) -> Path:
        return self.root / "merged"

    @property
    def docker(self) -> Path:
        return self.root / "docker"

    @property
    def pidfile(self) -> Path:
        return self.root / "nspawn.pid"

    @property
    def console_log(self) -> Path:
        return self.root / "console.log"

    @property
    def cgroups_file(self) -> Path:
        return self.root / "cgroups.json"


def host_paths(paths: Paths, host: Host) -> HostPaths:
    return HostPaths(paths.host_dir(host))
