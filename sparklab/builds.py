"""Software built on the host from a pinned source, rebuilt only when a pin changes."""

from pyinfra import host, logger
from pyinfra.api import QuoteString, StringCommand
from pyinfra.operations import server

from sparklab.facts import FileText


def stamp_path(directory: str) -> str:
    return f"{directory}/.spark-lab-build"


def pinned_build(name: str, directory: str, pins: str, commands: list[StringCommand]) -> None:
    """Run ``commands`` (clone and build into ``directory``) unless its stamp already records ``pins``.

    The stamp (the pins of the last successful build) is written last, so a failed build reruns."""
    if host.get_fact(FileText, path=stamp_path(directory)).strip() == pins:
        logger.info(f"[{host.name}] {name}: already built at {pins}")
        return
    server.shell(
        name=f"Build {name}",
        commands=[
            StringCommand("rm -rf", QuoteString(directory)),
            *commands,
            StringCommand("echo", QuoteString(pins), ">", QuoteString(stamp_path(directory))),
        ],
    )
