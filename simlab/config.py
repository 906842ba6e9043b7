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
QSFP_BRIDGE = "splab-qsfp"
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
    def qsfp_address(self) -> str:
        """Address the level-6 role plans for qsfp0 (simlab itself leaves qsfp0 unaddressed)."""
        return f"{QSFP_NET}.{9 + self.index}/24"

    @property
    def qsfp_hostside(self) -> str:
        """VM-side name of the qsfp0 veth (at most 15 characters)."""
        return f"{LINK_PREFIX}q{self.index}"

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
