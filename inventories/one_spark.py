# One DGX Spark on the campus network. Edit ssh_hostname to your Spark's name.
sparks = (
    [
        ("spark-1", {"ssh_hostname": "spark-1.local"}),
    ],
    {
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
