"""Images built on the host from a pinned base and pinned pip packages: the playbooks' `docker run --rm` plus
`pip install` inside, done once and kept. The tag carries a digest of the Dockerfile, so a changed base tag or
pin is a new image (built once) and an unchanged one is never rebuilt."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from io import StringIO
from shlex import quote

from pyinfra import host
from pyinfra.api import QuoteString, StringCommand, operation
from pyinfra.facts.docker import DockerImage
from pyinfra.operations import files

# Build contexts (one directory per image name).
IMAGES_DIR = "/var/lib/spark-lab/images"


def dockerfile(base: str, pins: Sequence[str], pip_args: Sequence[str] = (), no_deps: Sequence[str] = ()) -> str:
    """``base`` plus the pins (``no_deps``: installed after, with --no-deps, as the playbooks do for Unsloth)."""
    args = " ".join(quote(a) for a in ["--no-cache-dir", *pip_args])
    lines = [f"FROM {base}", f"RUN pip install {args} {' '.join(quote(p) for p in pins)}"]
    if no_deps:
        lines.append(f"RUN pip install {args} --no-deps {' '.join(quote(p) for p in no_deps)}")
    return "\n".join(lines) + "\n"


def derived_tag(name: str, base: str, pins: Sequence[str], pip_args: Sequence[str] = (),
                no_deps: Sequence[str] = ()) -> str:
    """The tag of the image ``name`` built from these inputs: a digest of its Dockerfile."""
    return dockerfile_tag(name, dockerfile(base, pins, pip_args, no_deps))


def dockerfile_tag(name: str, text: str) -> str:
    """The tag of the image ``name`` built from the Dockerfile ``text``: a digest of it."""
    return f"spark-lab/{name}:{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def pinned_tag(name: str, *pins: str) -> str:
    """The tag of the image ``name`` built from a pinned source (a checkout's Dockerfile): a digest of its pins."""
    return f"spark-lab/{name}:{hashlib.sha256(' '.join(pins).encode()).hexdigest()[:12]}"


@operation()
def image_built(tag: str, context: str, buildkit: bool = True, dockerfile: str | None = None,
                edit: tuple[str, str] | None = None):
    """`docker build` ``context`` as ``tag`` unless the host has that tag. ``dockerfile``: its path on the host
    (default: the context's Dockerfile). ``edit``: (text, replacement), made for this build in what docker reads
    (the file is left as it is, e.g. in a read-only checkout); the build fails when the text is not there."""
    if host.get_fact(DockerImage, object_id=tag):
        host.noop(f"image {tag} is present")
        return
    classic = [] if buildkit else ["DOCKER_BUILDKIT=0"]
    build = StringCommand(*classic, "docker build -q -t", QuoteString(tag))
    if edit is None:
        yield StringCommand(build, *(["-f", QuoteString(dockerfile)] if dockerfile else []), QuoteString(context))
        return
    text, replacement = edit
    path = QuoteString(dockerfile or f"{context}/Dockerfile")
    yield StringCommand("grep -qF", QuoteString(text), path, "|| { echo", QuoteString(f"cannot pin: no {text} in"),
                        path, ">&2; exit 1; }")
    # sed takes both literally: the pattern's regular-expression characters and the replacement's \\, & and |
    # escaped
    pattern = re.sub(r"([][\\.*^$|])", r"\\\1", text)
    replacement = re.sub(r"([\\&|])", r"\\\1", replacement)
    yield StringCommand("sed", QuoteString(f"s|{pattern}|{replacement}|"), path, "|", build, "-f -",
                        QuoteString(context))


def derived_image(name: str, base: str, pins: Sequence[str], *, pip_args: Sequence[str] = (),
                  no_deps: Sequence[str] = (), buildkit: bool = True) -> str:
    """Build the image ``name`` (if its tag is missing) and return its tag."""
    return dockerfile_image(name, dockerfile(base, pins, pip_args, no_deps), buildkit=buildkit)


def dockerfile_image(name: str, text: str, *, buildkit: bool = True) -> str:
    """Build the image ``name`` from the Dockerfile ``text`` (if its tag is missing) and return its tag: for an
    image that needs more than pip pins (a pinned clone, apt packages)."""
    tag = dockerfile_tag(name, text)
    context = f"{IMAGES_DIR}/{name}"
    files.directory(name=f"{name} build context", path=context, mode="755")
    files.put(name=f"{name} Dockerfile", src=StringIO(text), dest=f"{context}/Dockerfile", mode="644")
    image_built(name=f"{name} image {tag}", tag=tag, context=context, buildkit=buildkit)
    return tag
