"""simlab: the simulated lab for sparklab.

Debian hosts booted with systemd-nspawn on one VM stand in for DGX Sparks (see simlab/README.md
and docs/lab-contract.md). CLI: `python -m simlab up|down|status|inventory|deps`.
"""
