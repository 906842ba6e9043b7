"""Lab 3.1, agentic RAG: the chat app of NVIDIA's AI Workbench project `workbench-example-agentic-rag` (route,
retrieve or web-search, grade, retry; levels-3-5.md §3.1) as the on-demand unit `lab-agentic-rag`.

The playbook has no headless path: it drives the AI Workbench GUI. Here the project is cloned at a pinned commit
(the playbook clones whatever is on main) and its chat app runs as the project's spec starts it
(`cd code && python3 -m chatui`), from a venv with the project's own requirements.txt and apt.txt packages,
as the lab user. A venv rather than the project container: its base image
(nvcr.io/nvidia/ai-workbench/pytorch:1.0.2, CUDA 12.2) lists no arm64 build, and the app calls hosted NVIDIA
endpoints and Tavily, so it needs no GPU. NVIDIA_API_KEY and TAVILY_API_KEY reach it through a 0600 env file;
without either the lab is skipped with a warning. The app listens on `agentic_rag_port` (the project's 8080 is
Open WebUI's) on `stacks_bind_address`, and answers the project's own health check, `curl -f /`.
"""

from pyinfra import host
from pyinfra.api import QuoteString, StringCommand, deploy
from pyinfra.operations import apt, pip

from roles import knob
from sparklab import host_secrets
from sparklab.builds import when_changed
from sparklab.operations import git_checkout
from sparklab.owned_units import stale_units, unit_owning, units_absent
from sparklab.rag_labs import AGENTIC_RAG, unit

DEFAULTS = {
    "agentic_rag_enabled": True,
    "agentic_rag_boot": False,
    "agentic_rag_repo_url": "https://github.com/NVIDIA/workbench-example-agentic-rag.git",
    # main on 2024-10-02 ("Update README.md"); the project's requirements.txt pins langchain 0.2.11, gradio 4.15.0.
    "agentic_rag_commit": "b8b36f8db9334e3740b8c5a6a468fd929d65e12d",
    # The lab user's working copy (the app writes its logs beside its code).
    "agentic_rag_dir": "/opt/workbench-example-agentic-rag",
    "agentic_rag_venv": "/opt/spark-lab/agentic-rag/venv",
    # The project's apt.txt.
    "agentic_rag_apt_packages": ["poppler-utils", "tesseract-ocr"],
    "agentic_rag_port": 7860,
}
SECRETS = {"NVIDIA_API_KEY": "nvidia_api_key", "TAVILY_API_KEY": "tavily_api_key"}


@deploy("Agentic RAG", data_defaults=DEFAULTS)
def agentic_rag():
    data = host.data
    name = unit(AGENTIC_RAG)
    if not data.agentic_rag_enabled:
        units_absent(stale_units(name, []), {name: [f"{host_secrets.SECRETS_DIR}/{name}.env"]})
        return
    missing = {secret: why for secret in SECRETS.values() if (why := host_secrets.missing(secret))}
    if missing:
        secret, why = next(iter(missing.items()))
        host_secrets.skipped("agentic RAG", f"needs secrets.{secret}: {why}")
        return
    env_op = host_secrets.put(name, "\n".join(f"{var}={host_secrets.read(secret, 'agentic RAG')}"
                                              for var, secret in sorted(SECRETS.items())),
                              dest=f"{host_secrets.SECRETS_DIR}/{name}.env")
    apt.packages(name="agentic RAG packages (the project's apt.txt)",
                 packages=["git", "python3-venv", *data.agentic_rag_apt_packages])
    checkout = git_checkout(name=f"workbench-example-agentic-rag at {data.agentic_rag_commit[:12]}",
                            src=data.agentic_rag_repo_url, dest=data.agentic_rag_dir, commit=data.agentic_rag_commit,
                            user=data.lab_user)
    venv = data.agentic_rag_venv
    pip.venv(name="agentic RAG venv", path=venv, python="python3")
    pip_args = [QuoteString(a) for a in knob("base_pip_args")]
    requirements = when_changed(
        "agentic RAG requirements", f"{venv}/.spark-lab-requirements", data.agentic_rag_commit,
        [StringCommand(f"{venv}/bin/pip", "install", "-q", *pip_args, "-r",
                       QuoteString(f"{data.agentic_rag_dir}/requirements.txt"))])
    unit_owning(
        name, description=f"agentic RAG chat on port {data.agentic_rag_port} (spark-lab)", kind="native",
        boot=data.agentic_rag_boot, service_user=data.lab_user, working_directory=f"{data.agentic_rag_dir}/code",
        env_file=f"{host_secrets.SECRETS_DIR}/{name}.env",
        exec_start=[f"{venv}/bin/python", "-m", "chatui", "--host", knob("stacks_bind_address"),
                    "--port", str(data.agentic_rag_port)],
        restart_when=[env_op, checkout, *([requirements] if requirements else [])])
