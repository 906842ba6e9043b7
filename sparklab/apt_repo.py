"""A vendor apt repository, added the way vendors document it and only when it is safe to.

DGX OS already ships some vendor repos (Docker, NVIDIA). A second source for the same URI with
another Signed-By breaks `apt update` for the whole host, so an existing foreign entry wins.
"""

from __future__ import annotations

from pyinfra import host, logger
from pyinfra.facts.apt import AptSources
from pyinfra.operations import apt, files
from pyinfra.operations.util import any_changed


def foreign_source(uri: str, keyring: str) -> str | None:
    """The Signed-By of an existing source for ``uri`` that is not ours, if any."""
    for repo in host.get_fact(AptSources) or []:
        if repo["url"].rstrip("/") != uri.rstrip("/"):
            continue
        signed_by = repo["options"].get("signed-by")
        signed_by = signed_by if isinstance(signed_by, list) else [signed_by] if signed_by else []
        if keyring not in signed_by:
            return ", ".join(signed_by) or "the trusted keyring"
    return None


def vendor_repo(component: str, *, key_url: str, keyring: str, uri: str, suite: str,
                components: list[str], filename: str, architectures: list[str] | None = None) -> bool:
    """Add a signed deb822 source and refresh apt when it or its key changed.

    Returns False (and says why) when another source for the same URI is already configured.
    """
    foreign = foreign_source(uri, keyring)
    if foreign:
        logger.info(f"[{host.name}] {component}: {uri} is already configured (Signed-By {foreign}); using it as is")
        return False
    files.directory(name=f"{component}: keyring directory", path=keyring.rsplit("/", 1)[0], mode="755")
    key = files.download(name=f"{component}: signing key", src=key_url, dest=keyring, mode="644")
    source = apt.sources_file(
        name=f"{component}: apt source", filename=filename, uris=[uri], suites=[suite],
        components=components, architectures=architectures, signed_by=keyring,
    )
    apt.update(name=f"{component}: refresh apt after a source change", _if=any_changed(key, source))
    return True
