"""Options shared by the suite; checkpoints run only against an inventory given on the command line."""

from pathlib import Path


def pytest_addoption(parser):
    group = parser.getgroup("checkpoints", "level checkpoints on the hosts of a pyinfra inventory")
    group.addoption("--inventory", help="pyinfra inventory file whose hosts are checked")
    group.addoption("--level", type=int, default=6, help="check levels 1..LEVEL (default 6)")
    group.addoption("--checkpoint-report", help="also write per-host, per-item results as JSON here")
    group.addoption("--exercise", action="store_true",
                    help="start every on-demand workload in turn, check it answers, stop it (boot ones come back)")


def pytest_ignore_collect(collection_path: Path, config):
    # Checkpoints check real hosts: without --inventory there is nothing to check them on.
    if collection_path.name == "checkpoints" and not config.getoption("--inventory"):
        return True
    return None
