"""Work done on the host only when its inputs change: software built from a pinned source, images pulled and
built for a compose stack. A stamp file records the inputs of the last run that succeeded."""

from pyinfra import host, logger
from pyinfra.api import QuoteString, StringCommand
from pyinfra.operations import server

from sparklab.facts import FileText


def stamp_path(directory: str) -> str:
    return f"{directory}/.spark-lab-build"


def when_changed(name: str, stamp: str, pins: str, commands: list[StringCommand]):
    """Run ``commands`` unless the file ``stamp`` already records ``pins``; the operation, or None.

    The stamp is written last, so a failed run reruns."""
    if host.get_fact(FileText, path=stamp).strip() == pins:
        logger.info(f"[{host.name}] {name}: already done at {pins}")
        return None
    return server.shell(name=name, commands=[*commands, StringCommand("echo", QuoteString(pins), ">",
                                                                       QuoteString(stamp))])


def pinned_build(name: str, directory: str, pins: str, commands: list[StringCommand]) -> None:
    """Run ``commands`` (clone and build into ``directory``, emptied first) unless its stamp records ``pins``."""
    when_changed(f"Build {name}", stamp_path(directory), pins,
                 [StringCommand("rm -rf", QuoteString(directory)), *commands])
