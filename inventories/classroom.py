# A classroom: six standalone DGX Sparks for levels 1-5 and two pairs cabled for level 6. Each pair is its own
# cluster on its own cable, so both use NVIDIA's "Connect Two Sparks" addresses (port 1, one /24 per logical
# interface). Edit ssh_hostname to your Sparks' names (printed on the Quick Start Guide).
#
#   pyinfra inventories/classroom.py deploys/level6.py          # everyone: standalone hosts get levels 1-5
#   python -m distributed collectives --inventory inventories/classroom.py --cluster pair-b


def _pair_node(name: str, last_octet: int):
    return (name, {
        "ssh_hostname": f"{name}.local",
        "qsfp_interfaces": [
            {"name": "enp1s0f1np1", "address": f"192.168.100.{last_octet}/24"},
            {"name": "enP2p1s0f1np1", "address": f"192.168.101.{last_octet}/24"},
        ],
    })


_CLASS = {
    # The same user on every Spark: NVIDIA requires it for multi-node.
    "lab_user": "nvidia",
    "ssh_user": "nvidia",
    "_sudo": True,
    "mgmt_interface": "enP7s7",
    "users_authorized_key_files": ["~/.ssh/id_ed25519.pub"],
    # Level 2: one heavy engine at boot, the others installed and started on demand.
    "engines": {
        "vllm": {"boot": True},
        "trtllm": {},
        "sglang": {},
        "nim": {"port": 8001},
        "llamacpp": {"port": 30001},
    },
    "ollama_models": ["gpt-oss:20b"],
    "ollama_continue": True,
    # Level 5: the class's tracks.
    "level5_tracks": ["image_generation", "data_science"],
    "secrets": {
        "ngc_api_key": {"env": "NGC_API_KEY"},
        "tailscale_auth_key": {"env": "TS_AUTHKEY"},
        "hf_token": {"env": "HF_TOKEN"},
        "jupyterlab_token": {"env": "JUPYTERLAB_TOKEN"},
        "nvidia_api_key": {"env": "NVIDIA_API_KEY"},
        "tavily_api_key": {"env": "TAVILY_API_KEY"},
    },
}

standalone = (
    [(f"spark-{n:02d}", {"ssh_hostname": f"spark-{n:02d}.local"}) for n in range(1, 7)],
    _CLASS,
)

pair_a = (
    [_pair_node("spark-07", 10), _pair_node("spark-08", 11)],
    {**_CLASS, "cluster": "pair-a", "cluster_topology": "pair"},
)

pair_b = (
    [_pair_node("spark-09", 10), _pair_node("spark-10", 11)],
    {**_CLASS, "cluster": "pair-b", "cluster_topology": "pair"},
)
