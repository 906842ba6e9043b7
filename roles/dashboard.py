"""DGX Dashboard and GPU telemetry: checked and reported, never installed (DGX OS ships them)."""

from pyinfra import host, logger
from pyinfra.api import deploy

from sparklab.facts import DgxRelease, ListeningTcpPorts, NvidiaGpus, is_spark, static_fact

DEFAULTS = {
    # Where DGX OS's Dashboard listens (playbooks §1.2). The one place for it: the checkpoint and
    # JupyterLab's port check read this knob.
    "dashboard_port": 11000,
}


@deploy("DGX Dashboard", data_defaults=DEFAULTS)
def dashboard():
    if not is_spark(static_fact(DgxRelease)):
        logger.info(f"[{host.name}] DGX Dashboard: not applicable (not a DGX Spark)")
        return
    port = host.data.dashboard_port
    listening = port in host.get_fact(ListeningTcpPorts)
    gpus = static_fact(NvidiaGpus)
    report = logger.info if listening and gpus else logger.warning
    report(f"[{host.name}] DGX Dashboard on {port}: {'listening' if listening else 'NOT listening'}; "
           f"nvidia-smi: {', '.join(gpus) or 'NO GPU listed'}")
