"""A resume across nodes that share no storage: each rank saved its own part of a checkpoint on its own node
(torch.distributed.checkpoint's ``__R_0.distcp`` files, DeepSpeed's per-rank ZeRO files), and only the first node
has what rank 0 alone writes (``latest``, DCP's ``.metadata``, DeepSpeed's model states). Before a ``--resume``,
the checkpoint directory is made whole on every node, streamed through this machine over SSH:

1. the first node gathers the files only the others have (``tar --skip-old-files``: rank 0's own are kept);
2. every other node receives the first node's now complete directory (overwriting, so a stale ``latest`` goes).

With shared storage (NFS) every copy finds the files already there: nothing changes but the time it takes.
"""

from __future__ import annotations

import shlex
import subprocess

from sparklab.remote import Remote
from sparklab.toolcli import UsageError


def node_path(node, directory: str) -> str:
    """The directory on a node: a relative ``--checkpoint-dir`` is under the ranks' working directory."""
    return directory if directory.startswith("/") else f"{node.knob('path')}/{directory}"


def _remote(node) -> Remote:
    return Remote({"name": node.name, "ssh": node.ssh})


def _copy(source, target, directory: str, extract: str, timeout: float) -> None:
    """Stream ``directory`` of node ``source`` into that of ``target`` (tar on both ends)."""
    send = _remote(source).argv(f"cd {shlex.quote(node_path(source, directory))} && tar -c .")
    receive = _remote(target).argv(f"mkdir -p {shlex.quote(node_path(target, directory))} && "
                                   f"tar -x {extract} -C {shlex.quote(node_path(target, directory))}")
    with subprocess.Popen(send, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as sender:
        received = subprocess.run(receive, stdin=sender.stdout, capture_output=True, timeout=timeout, check=False)
        sender.stdout.close()
        sent_error = sender.stderr.read().decode(errors="replace")
        sender.wait(timeout)
    if sender.returncode or received.returncode:
        raise UsageError(f"--resume: copying {directory} from {source.name} to {target.name} failed: "
                         f"{(sent_error or received.stderr.decode(errors='replace')).strip()[-300:]}")


def share(nodes: list, directory: str, timeout: float = 3600) -> None:
    """Make ``directory`` the same on every node (see the module's docstring)."""
    first, others = nodes[0], nodes[1:]
    for node in others:
        _copy(node, first, directory, "--skip-old-files", timeout)
    for node in others:
        _copy(first, node, directory, "", timeout)
