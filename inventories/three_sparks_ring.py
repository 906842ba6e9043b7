# Three DGX Sparks in a ring, NVIDIA's "Connect Three DGX Spark in a Ring Topology" plan: node N's port 0 is
# cabled to node N+1's port 1, all four CX-7 interfaces up, one /24 per interface. The cabling is in the
# addresses: every subnet is one cable's link between two nodes.
#
#   cable                               subnets (enp1s0f0np0 - enp1s0f1np1, enP2p1s0f0np0 - enP2p1s0f1np1)
#   spark-1 port 0  ->  spark-2 port 1   192.168.0.0/24, 192.168.1.0/24
#   spark-2 port 0  ->  spark-3 port 1   192.168.4.0/24, 192.168.5.0/24
#   spark-3 port 0  ->  spark-1 port 1   192.168.2.0/24, 192.168.3.0/24
#
# NCCL's bootstrap and sockets run on the management network (mgmt_interface), as NVIDIA's cluster script
# runs a ring; the NCCL role builds NVIDIA's ring fork; the nccl-tests pass mark is 10 GB/s.
# Edit ssh_hostname to your Sparks' names.


def _node(name: str, port0: tuple[str, str], port1: tuple[str, str]):
    return (name, {
        "ssh_hostname": f"{name}.local",
        "qsfp_interfaces": [
            {"name": "enp1s0f0np0", "address": port0[0]},
            {"name": "enP2p1s0f0np0", "address": port0[1]},
            {"name": "enp1s0f1np1", "address": port1[0]},
            {"name": "enP2p1s0f1np1", "address": port1[1]},
        ],
    })


ring = (
    [
        _node("spark-1", ("192.168.0.1/24", "192.168.1.1/24"), ("192.168.2.1/24", "192.168.3.1/24")),
        _node("spark-2", ("192.168.4.1/24", "192.168.5.1/24"), ("192.168.0.2/24", "192.168.1.2/24")),
        _node("spark-3", ("192.168.2.2/24", "192.168.3.2/24"), ("192.168.4.2/24", "192.168.5.2/24")),
    ],
    {
        "cluster": "ring",
        "cluster_topology": "ring",
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
