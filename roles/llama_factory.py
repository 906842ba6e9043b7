"""Lab 4.3, LLaMA Factory, the way the current playbook sets it up (02/18/2026: a venv on the host, no Docker):
`~/factoryEnv` with PyTorch's CUDA 13.0 wheels and `~/LLaMA-Factory` installed editable with its `metrics` extra.
Better than the playbook: LLaMA-Factory at a **pinned commit** (the playbook clones the default branch with
--depth 1), torch, torchvision and torchaudio **pinned**, and passed again with the editable install so that
LLaMA-Factory's requirements cannot displace them (dgx-spark-playbooks#90 reports that they do). Everything is
the lab user's: `source ~/factoryEnv/bin/activate && cd ~/LLaMA-Factory && llamafactory-cli train …`."""

from pyinfra import host
from pyinfra.api import QuoteString, StringCommand, deploy
from pyinfra.operations import apt, files

from roles import knob
from roles.users import home
from sparklab.builds import when_changed
from sparklab.operations import git_checkout

DEFAULTS = {
    # False: ~/factoryEnv is removed (the clone stays: it may hold a student's saves/).
    "llama_factory_enabled": True,
    "llama_factory_repo_url": "https://github.com/hiyouga/LLaMA-Factory.git",
    # v0.9.5 (2026-05-30), the release before the playbook's re-validation (dgx-spark-playbooks#90).
    "llama_factory_commit": "7af909522a951e3ad9f022ea6f88b6755257eaa5",
    # PyTorch's CUDA 13.0 wheels (the playbook's index) and the trio that matches: torchaudio's last release
    # is 2.11, which pins torch 2.11.
    # "" or None: no --index-url (the torch trio then comes from wherever llama_factory_pip_args say).
    "llama_factory_torch_index": "https://download.pytorch.org/whl/cu130",
    "llama_factory_torch": ["torch==2.11.0", "torchvision==0.26.0", "torchaudio==2.11.0"],
    # v0.9.5's pyproject declares no extras any more: pip warns "llamafactory 0.9.5 does not provide the extra
    # 'metrics'" and installs none; its metrics packages (nltk, jieba, rouge-chinese: predict_with_generate's
    # BLEU/ROUGE) are in requirements/metrics.txt, which neither the playbook nor this role installs.
    "llama_factory_extras": "metrics",
    # pip options of both installs; None: base_pip_args (PyPI by default). Its own knob because LLaMA Factory's
    # requirements are a resolution of their own (torch 2.11, transformers <=5.6, ...): a site (or the simulated
    # lab) whose base_pip_args name one local wheelhouse points this one at LLaMA Factory's.
    "llama_factory_pip_args": None,
    # TMPDIR of those installs (pip stages every wheel there, ~3.5 GB with torch's CUDA libraries); None: the
    # system's. For hosts whose /tmp is a small tmpfs (the simulated lab's nspawn hosts have 2.4 GB).
    "llama_factory_tmpdir": None,
}


def venv() -> str:
    return f"{home()}/factoryEnv"


@deploy("LLaMA Factory", data_defaults=DEFAULTS)
def llama_factory():
    data = host.data
    user, source = data.lab_user, f"{home()}/LLaMA-Factory"
    if not data.llama_factory_enabled:
        files.directory(name="LLaMA Factory venv removed", path=venv(), present=False)
        return
    apt.packages(name="LLaMA Factory host packages", packages=["git", "python3-venv"])
    git_checkout(name=f"LLaMA-Factory at {data.llama_factory_commit[:12]}", src=data.llama_factory_repo_url,
                 dest=source, commit=data.llama_factory_commit, user=user)
    own_args = data.llama_factory_pip_args
    pip_args = [QuoteString(a) for a in (knob("base_pip_args") if own_args is None else own_args)]
    torch = [QuoteString(p) for p in data.llama_factory_torch]
    index = [] if not data.llama_factory_torch_index else ["--index-url", QuoteString(data.llama_factory_torch_index)]
    as_user = StringCommand("sudo -u", QuoteString(user), "-H")
    tmpdir = [] if not data.llama_factory_tmpdir else ["env", QuoteString(f"TMPDIR={data.llama_factory_tmpdir}")]
    pip = StringCommand(as_user, *tmpdir, QuoteString(f"{venv()}/bin/pip"), "install", "-q")
    pins = " ".join([data.llama_factory_commit, *data.llama_factory_torch, data.llama_factory_extras])
    when_changed("LLaMA Factory venv", f"{venv()}/.spark-lab-installed", pins, [
        StringCommand("test -x", QuoteString(f"{venv()}/bin/pip"), "||", as_user, "python3 -m venv",
                      QuoteString(venv())),
        StringCommand(pip, *pip_args, *index, *torch),
        # The editable install names the torch pins again: pip keeps them or fails, never replaces them.
        StringCommand("cd", QuoteString(source), "&&", pip, *pip_args, "-e",
                      QuoteString(f".[{data.llama_factory_extras}]"), *torch),
    ])
