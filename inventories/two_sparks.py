# Two DGX Sparks joined by one QSFP cable on port 1, NVIDIA's current plan
# (dgx-spark-playbooks "Connect Two Sparks"): both logical interfaces of the port get an
# address, one /24 each. Edit ssh_hostname to your Sparks' names (printed on the Quick Start Guide).
sparks = (
    [
        ("spark-1", {
            "ssh_hostname": "spark-1.local",
            "qsfp_interfaces": [
                {"name": "enp1s0f1np1", "address": "192.168.100.10/24"},
                {"name": "enP2p1s0f1np1", "address": "192.168.101.10/24"},
            ],
        }),
        ("spark-2", {
            "ssh_hostname": "spark-2.local",
            "qsfp_interfaces": [
                {"name": "enp1s0f1np1", "address": "192.168.100.11/24"},
                {"name": "enP2p1s0f1np1", "address": "192.168.101.11/24"},
            ],
        }),
    ],
    {
        # The same user on both nodes: NVIDIA requires it for multi-node.
        "lab_user": "nvidia",
        "ssh_user": "nvidia",
        "_sudo": True,
        "mgmt_interface": "enP7s7",
        "users_authorized_key_files": ["~/.ssh/id_ed25519.pub"],
        # Level 2: one heavy engine at boot, the others installed and started on demand
        # (`sudo systemctl start engine-trtllm` stops vLLM first). Ports apart where the playbooks collide.
        "engines": {
            "vllm": {"boot": True},
            "trtllm": {},
            "sglang": {},
            "nim": {"port": 8001},
            "llamacpp": {"port": 30001},
        },
        "ollama_models": ["gpt-oss:20b"],
        "ollama_continue": True,
        # Ollama is installed only with its tarball's sha256 (the release's sha256sum.txt):
        # "ollama_sha256": {"arm64": "..."},
        "secrets": {
            "ngc_api_key": {"env": "NGC_API_KEY"},
            "tailscale_auth_key": {"env": "TS_AUTHKEY"},
            "hf_token": {"env": "HF_TOKEN"},
            "jupyterlab_token": {"env": "JUPYTERLAB_TOKEN"},
            # Level 3's agentic RAG lab (hosted NVIDIA endpoints and Tavily web search).
            "nvidia_api_key": {"env": "NVIDIA_API_KEY"},
            "tavily_api_key": {"env": "TAVILY_API_KEY"},
        },
    },
)
