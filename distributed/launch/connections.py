"""Fabric connections to inventory nodes, with the inventory's own SSH settings (pyinfra's ssh_* keys)."""

import os

from paramiko import RejectPolicy


def connect(node, timeout_s: int = 15):
    from fabric import Connection

    settings = node.ssh
    connect_kwargs = {}
    if settings.get("ssh_key"):
        connect_kwargs["key_filename"] = os.path.expanduser(settings["ssh_key"])
    for key in ("allow_agent", "look_for_keys"):
        if f"ssh_{key}" in settings:
            connect_kwargs[key] = settings[f"ssh_{key}"]
    conn = Connection(host=settings["ssh_hostname"], user=settings.get("ssh_user"),
                      port=settings.get("ssh_port"), connect_timeout=timeout_s, connect_kwargs=connect_kwargs)
    known_hosts = settings.get("ssh_known_hosts_file")
    if known_hosts:  # the lab writes exact host keys: accept those and no others
        conn.client.load_host_keys(os.path.expanduser(known_hosts))
        conn.client.set_missing_host_key_policy(RejectPolicy())
    return conn
