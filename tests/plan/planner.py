"""Plan a deploy file on pyinfra's @fake hosts and return each operation's commands, no host needed.

Fake hosts answer every command with empty output unless ``fake_responses`` scripts it; the plan
tests feed them real DGX OS outputs (tests/plan/dgx_os/) to cover the Spark-only code paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyinfra
import pytest
from pyinfra.api import Config, Inventory, State
from pyinfra.api.command import FileUploadCommand, StringCommand
from pyinfra.api.connect import connect_all
from pyinfra.api.state import StateStage
from pyinfra.context import ctx_config, ctx_host, ctx_inventory, ctx_state
from pyinfra_cli.util import load_deploy_file

from roles import knob_defaults
from sparklab.inventory import load_inventory, use_lab, validate_hosts

REPO = Path(__file__).resolve().parents[2]
DGX_OS = Path(__file__).resolve().parent / "dgx_os"
# What `ssh-keyscan -t ed25519` prints for the peers of the example inventories (one test key for all).
PEER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlanTestPeerKey"
PEER_ADDRESSES = [f"192.168.{net}.{node}" for net in range(6) for node in (1, 2)] + [
    f"192.168.{net}.{node}" for net in (100, 101) for node in (1, 2, 3, 4, 10, 11)]


@dataclass
class PlannedOp:
    name: str
    commands: list  # shell strings, or ("upload", text, dest) for files

    def shell(self) -> str:
        return "\n".join(c for c in self.commands if isinstance(c, str))


def dgx_os_output(name: str) -> str:
    return (DGX_OS / name).read_text().rstrip("\n")


def etc_release_output(*names: str) -> str:
    """What pyinfra's LinuxDistribution fact prints on a host with these /etc/*-release files (from dgx_os/):
    each file's path, its text, then `---`, in `ls` order."""
    return "\n".join(f"/etc/{name}\n{dgx_os_output(name)}\n---" for name in sorted(names))


def fake_hosts_like(inventory_file: str, responses: dict[str, str], **extra) -> list[tuple[str, dict]]:
    """The hosts of a real inventory as @fake hosts, with their merged data and scripted outputs."""
    hosts = []
    for host in load_inventory(REPO / inventory_file):
        data = {k: v for k, v in host.data.dict().items() if not k.startswith("ssh_")}
        fake = {"fake_responses": responses, "fake_delay": 0, "fake_delay_jitter": 0}
        hosts.append((f"@fake/{host.name}", {**data, **extra, **fake}))
    return hosts


def _render(command) -> object:
    if isinstance(command, FileUploadCommand):
        src = command.src
        content = src.getvalue() if hasattr(src, "getvalue") else Path(src).read_bytes()
        if isinstance(content, bytes):
            try:
                content = content.decode()
            except UnicodeDecodeError:  # an archive: kept as bytes
                pass
        return ("upload", content, command.dest)
    if isinstance(command, StringCommand):
        return command.get_raw_value()
    return repr(command)


def plan(hosts: list[tuple[str, dict]], deploy: str) -> dict[str, list[PlannedOp]]:
    names = {n: n.removeprefix("@fake/") for n, _ in hosts}
    use_lab(validate_hosts(((names[n], d) for n, d in hosts), knob_defaults(), source="plan inventory"), names)
    inventory = Inventory((hosts, {}))
    config = Config(FAIL_PERCENT=0)
    state = State(inventory, config)
    state.cwd = str(REPO)
    with ctx_state.use(state), ctx_inventory.use(inventory), ctx_config.use(config):
        state.set_stage(StateStage.Connect)
        connect_all(state)
        state.set_stage(StateStage.Prepare)
        pyinfra.is_cli = True  # deploy files are a CLI construct (local.include needs it)
        try:
            load_deploy_file(state, str(REPO / deploy))
        finally:
            pyinfra.is_cli = False
        planned = {}
        for host in inventory:
            ops = []
            for op_hash in state.get_op_order():
                op_data = state.ops[host].get(op_hash)
                if op_data is None:
                    continue
                name = ", ".join(state.op_meta[op_hash].names)
                with ctx_host.use(host):
                    commands = [_render(c) for c in op_data.command_generator()]
                ops.append(PlannedOp(name, commands))
            planned[host.name.removeprefix("@fake/")] = ops
    return planned


# The secret variables the inventories read: a plan sees only those a test sets.
SECRET_VARIABLES = ("NGC_API_KEY", "TS_AUTHKEY", "HF_TOKEN", "JUPYTERLAB_TOKEN", "NVIDIA_API_KEY", "TAVILY_API_KEY")


def plan_one_spark(deploy: str, responses: dict[str, str], secrets: dict[str, str], **extra) -> dict[str, PlannedOp]:
    """``deploy`` planned for inventories/one_spark.py's Spark on a fake DGX OS host, with only ``secrets`` among the
    secret variables set; its operations by name, without the deploy files' part ("Docker | ...")."""
    with pytest.MonkeyPatch.context() as mp:
        for name in SECRET_VARIABLES:
            mp.delenv(name, raising=False)
        for name, value in secrets.items():
            mp.setenv(name, value)
        hosts = fake_hosts_like("inventories/one_spark.py", responses, ollama_sha256={"arm64": "a" * 64},
                                users_authorized_key_files=[], users_authorized_keys=["ssh-ed25519 AAAA plan"],
                                **extra)
        ops = plan(hosts, deploy)["spark-1"]
    return {" | ".join(p for p in op.name.split(" | ") if not p.startswith("deploys/")): op for op in ops}


def uploaded(op: PlannedOp) -> str:
    """The text an operation uploads (files.put / files.template)."""
    return next(c[1] for c in op.commands if isinstance(c, tuple))


def one(planned: dict[str, PlannedOp], prefix: str) -> PlannedOp:
    """The one planned operation whose name starts with ``prefix``."""
    found = [op for name, op in planned.items() if name.startswith(prefix)]
    assert len(found) == 1, (prefix, [n for n in planned if n.startswith(prefix.split(" |")[0])])
    return found[0]
