# Four DGX Sparks on a QSFP switch, NVIDIA's "Connect Multiple DGX Spark through a Switch" static plan (Option 2):
# port 1 of every node cabled to the switch (all switch ports in one L2 domain, 200G forced where ethtool shows
# 100000Mb/s), node N at 192.168.100.N/24 on enp1s0f1np1 and 192.168.101.N/24 on enP2p1s0f1np1: every node in
# both subnets, never two interfaces of one node in one subnet. Edit ssh_hostname to your Sparks' names.


def _node(n: int):
    return (f"spark-{n}", {
        "ssh_hostname": f"spark-{n}.local",
        "qsfp_interfaces": [
            {"name": "enp1s0f1np1", "address": f"192.168.100.{n}/24"},
            {"name": "enP2p1s0f1np1", "address": f"192.168.101.{n}/24"},
        ],
    })


switch = (
    [_node(n) for n in range(1, 5)],
    {
        "cluster": "switch",
        "cluster_topology": "switch",
        # The same user on every node: NVIDIA requires it for multi-node.
        "lab_user": "nvidia",
        "ssh_user": "nvidia",
        "_sudo": True,
        "mgmt_interface": "enP7s7",
        "users_authorized_key_files": ["~/.ssh/id_ed25519.pub"],
        "secrets": {
            "ngc_api_key": {"env": "NGC_API_KEY"},
            "hf_token": {"env": "HF_TOKEN"},
            "jupyterlab_token": {"env": "JUPYTERLAB_TOKEN"},
        },
    },
)
