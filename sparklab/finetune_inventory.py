"""`python -m sparklab.finetune_inventory FILE`: each host of a validated inventory with its SSH settings, its lab
user, the settings of the short fine-tune check and its workloads, as JSON, for `python -m sparklab.finetune` (run
in a child process: see sparklab.toolcli)."""

from sparklab.toolcli import serve_inventory_hosts
from sparklab.workload_plan import workloads_of
from sparklab.workloads import to_json

SETTINGS = ("finetune_check_model", "finetune_check_dataset", "finetune_check_template", "finetune_check_steps",
            "finetune_check_lr", "hf_endpoint", "hf_env", "llama_factory_enabled", "nemo_workdir",
            "nemo_finetune_recipe")


def host_data(h) -> dict:
    """What `sparklab.finetune.Spark` is made from, for one validated host (HostConfig)."""
    return {"name": h.name, "ssh": h.ssh, "lab_user": h.lab_user, "settings": {key: h.setting(key) for key in SETTINGS},
            "workloads": [to_json(w) for w in workloads_of(h.setting)]}


def hosts_of(lab) -> list[dict]:
    return [host_data(h) for h in lab.hosts]


if __name__ == "__main__":
    serve_inventory_hosts(hosts_of)
