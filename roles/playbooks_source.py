"""NVIDIA's dgx-spark-playbooks repository on the host, at a pinned commit: the compose files, Dockerfiles and
scripts of the level 3–5 labs, taken the way a student takes them (`git clone`), shared by every lab.

The checkout belongs to root, so students read it but cannot edit what the labs build from; the playbooks say
`git clone` with no ref, which moves under a class, hence the pin.
"""

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.operations import apt

from roles import knob
from sparklab.operations import git_checkout

DEFAULTS = {
    "playbooks_repo_url": "https://github.com/NVIDIA/dgx-spark-playbooks.git",
    # levels-3-5.md's snapshot ("chore: Regenerate all playbooks", 2026-07-24).
    "playbooks_commit": "0db7c141da60870ca6ed5c99436320f4e35cd531",
    "playbooks_dir": "/opt/dgx-spark-playbooks",
}


def lab_dir(slug: str) -> str:
    """A lab's assets in the checkout, e.g. lab_dir("txt2kg") -> /opt/dgx-spark-playbooks/nvidia/txt2kg/assets."""
    return f"{knob('playbooks_dir')}/nvidia/{slug}/assets"


@deploy("NVIDIA playbooks checkout", data_defaults=DEFAULTS)
def playbooks_source():
    data = host.data
    apt.packages(name="git", packages=["git"])
    git_checkout(name=f"dgx-spark-playbooks at {data.playbooks_commit[:12]}", src=data.playbooks_repo_url,
                 dest=data.playbooks_dir, commit=data.playbooks_commit)
