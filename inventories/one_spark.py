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
        "secrets": {
            "ngc_api_key": {"env": "NGC_API_KEY"},
            "tailscale_auth_key": {"env": "TS_AUTHKEY"},
            "hf_token": {"env": "HF_TOKEN"},
            "jupyterlab_token": {"env": "JUPYTERLAB_TOKEN"},
        },
    },
)
