"""`make demo`'s progress line, fed pyinfra's own log lines (as `pyinfra -y --json` prints them on stderr)."""

import io

from sparklab.demo import Progress

# pyinfra ends an operation's line with a space.
LOG = [line + "\n" for line in (
    "--> Beginning operation run...",
    "--> Starting operation: QSFP preflight | QSFP interfaces present ",
    "    [spark-sim-1] No changes",
    "    [spark-sim-2] No changes",
    "",
    "--> Starting operation: deploys/level2.py | deploys/level1.py | Docker | daemon.json options ",
    "    [spark-sim-2] Success",
    "--> Starting operation: deploys/level2.py | deploys/level1.py | Docker | Docker running ",
    "    [spark-sim-1] No changes",
    "    [spark-sim-1] backend error: invalid key (key not shown)",
    "    [spark-sim-2] Error: executed 0 commands",
)]


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_in_a_log_each_role_gets_one_line():
    out = io.StringIO()
    progress = Progress(hosts=2, stream=out)
    for line in LOG:
        progress(line)
    progress.finish()
    assert out.getvalue().splitlines() == ["    QSFP preflight", "    level1 | Docker"]


def test_on_a_terminal_one_line_follows_the_operation_and_its_hosts():
    out = Terminal()
    progress = Progress(hosts=2, stream=out)
    for line in LOG:
        progress(line)
    frames = out.getvalue().split("\r\x1b[K")
    assert frames[1:4] == ["    op 1: QSFP preflight | QSFP interfaces present (0/2 hosts)",
                           "    op 1: QSFP preflight | QSFP interfaces present (1/2 hosts)",
                           "    op 1: QSFP preflight | QSFP interfaces present (2/2 hosts)"]
    assert frames[-1] == "    op 3: level1 | Docker | Docker running (2/2 hosts)"
    progress.finish()
    assert out.getvalue().endswith("\r\x1b[K")
