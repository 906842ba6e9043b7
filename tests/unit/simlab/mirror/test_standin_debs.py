"""simlab.mirror.standin_debs: what the stand-in .debs of a built mirror hold."""
from __future__ import annotations

import subprocess

from simlab.mirror.catalog import TAILSCALE_VERSION


def test_deb_contents(built):
    dest = built[0]
    deb = dest / f"apt/tailscale/pool/tailscale_{TAILSCALE_VERSION}_all.deb"
    listing = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True, check=True).stdout
    for path in ("./usr/sbin/tailscaled", "./usr/bin/tailscale",
                 "./lib/systemd/system/tailscaled.service", "./etc/default/tailscaled"):
        assert path in listing
    assert "-rwxr-xr-x root/root" in next(line for line in listing.splitlines() if "usr/bin/tailscale" in line)
    nv = dest / "apt/libnvidia-container/stable/deb/amd64"
    fields = subprocess.run(["dpkg-deb", "-f", next(nv.glob("nvidia-container-toolkit_*.deb")), "Depends"],
                            capture_output=True, text=True, check=True).stdout
    assert "nvidia-container-toolkit-base (= 1.18.1-1)" in fields
    assert "libnvidia-container-tools (>= 1.18.1-1)" in fields
