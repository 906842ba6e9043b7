"""Operations pyinfra lacks or gets wrong for us; each is a no-op when the host already matches."""

import hashlib
import json
import posixpath
import tarfile
from io import BytesIO, StringIO
from pathlib import Path
from shlex import quote

from pyinfra import host, logger
from pyinfra.api import FileUploadCommand, QuoteString, StringCommand, operation
from pyinfra.facts.docker import DockerImage
from pyinfra.facts.files import Directory, File, Sha256File
from pyinfra.facts.server import Locales
from pyinfra.operations import files
from pyinfra.operations.util import files as file_utils

from sparklab.facts import (
    DockerDaemonConfig,
    FileText,
    GitHead,
    GitRevision,
    KnownHostKeys,
    NetworkLinks,
    OllamaModels,
    ScannedHostKeys,
    UserGroups,
    VenvPackages,
    normalize_pin,
    ollama_model_name,
)


@operation()
def user_in_groups(user: str, groups: list[str]):
    """``user`` is a member of ``groups`` (appended, no other group removed). Unlike server.user(append=True),
    which gathers every account of the host (0.4 s a call on the lab's hosts), this asks `id` about one user."""
    missing = [g for g in groups if g not in host.get_fact(UserGroups, user=user)]
    if not missing:
        host.noop(f"{user} is in {', '.join(groups)}")
        return
    yield StringCommand("usermod -aG", QuoteString(",".join(missing)), QuoteString(user))


# Where tree_synced records the digest of the tree it copied.
TREE_STAMP = ".spark-lab-tree.sha256"


@operation()
def locale_generated(locale: str):
    """Generate ``locale`` if it is missing. Unlike server.locale this does not need
    /etc/locale.gen to exist when the deploy is planned (the locales package may come in the same run)."""
    if locale in host.get_fact(Locales):
        host.noop(f"locale {locale} is generated")
        return
    charset = locale.split(".", 1)[1] if "." in locale else "ISO-8859-1"
    entry = f"{locale} {charset}"
    yield StringCommand(
        "grep -qx", QuoteString(entry), "/etc/locale.gen", "||",
        "echo", QuoteString(entry), ">> /etc/locale.gen",
    )
    yield "locale-gen"


@operation()
def docker_daemon_options(options: dict, path: str = "/etc/docker/daemon.json"):
    """Merge ``options`` into daemon.json, keeping keys others wrote (DGX OS, nvidia-ctk)."""
    current = host.get_fact(DockerDaemonConfig)
    merged = {**current, **options}
    if merged == current:
        host.noop("daemon.json already has our options")
        return
    text = json.dumps(merged, indent=4, sort_keys=True) + "\n"
    yield from files.put._inner(src=StringIO(text), dest=path, mode="644", create_remote_dir=True)


@operation()
def nvidia_runtime_configured(set_default: bool = False):
    """`nvidia-ctk runtime configure --runtime=docker`, only when daemon.json lacks the runtime."""
    config = host.get_fact(DockerDaemonConfig)
    path = config.get("runtimes", {}).get("nvidia", {}).get("path", "")
    if path.endswith("nvidia-container-runtime") and (not set_default or config.get("default-runtime") == "nvidia"):
        host.noop("nvidia runtime is in daemon.json")
        return
    yield "nvidia-ctk runtime configure --runtime=docker" + (" --set-as-default" if set_default else "")


@operation()
def interfaces_present(names: list[str]):
    """Fail this host (before anything is written on it) when a planned interface is missing.

    The failure is a command that prints why and exits 1, so pyinfra reports it like any failed
    operation and stops this host; the other hosts carry on."""
    links = host.get_fact(NetworkLinks)
    missing = [n for n in names if n not in links]
    if not missing:
        host.noop("QSFP interfaces present: " + ", ".join(f"{n} {links[n]}" for n in names))
        return
    why = (f"QSFP interface {', '.join(missing)} not found on {host.name} "
           f"(interfaces: {', '.join(sorted(links)) or 'none'}); check the cable, the port and the inventory")
    yield StringCommand("echo", QuoteString(why), ">&2; exit 1")


@operation()
def peer_host_keys(known_hosts: str, owner: str, peers: list[tuple[list[str], str]]):
    """Each peer's ed25519 host key in ``known_hosts`` under all its names, as the peer answers now: a peer that
    was re-imaged (a new key) has its old entries removed first, so only what concerns it changes. A peer that
    does not answer keeps what is listed, with a warning."""
    listed = host.get_fact(KnownHostKeys, path=known_hosts)
    scanned = host.get_fact(ScannedHostKeys, addresses=tuple(address for _, address in peers))
    commands = []
    for aliases, address in peers:
        names, key = [address, *aliases], scanned.get(address)
        if key is None:
            logger.warning(f"[{host.name}] {address} ({aliases[0]}) did not answer ssh-keyscan: its host key is "
                           "left as listed")
            continue
        if all({k for k in listed.get(name, ()) if k.startswith("ssh-ed25519 ")} == {key} for name in names):
            continue
        commands += [StringCommand("ssh-keygen -R", QuoteString(name), "-f", QuoteString(known_hosts),
                                   ">/dev/null 2>&1") for name in names if name in listed]
        commands.append(StringCommand("echo", QuoteString(f"{','.join(names)} {key}"), ">>",
                                      QuoteString(known_hosts)))
    if not commands:
        host.noop("every peer's host key is known")
        return
    yield from commands
    yield StringCommand("rm -f", QuoteString(f"{known_hosts}.old"))  # ssh-keygen -R's backup
    yield StringCommand("chown", QuoteString(f"{owner}:{owner}"), QuoteString(known_hosts))


@operation()
def pip_pinned(venv: str, packages: list[str], extra_args: list[str] | None = None):
    """`pip install` the ``name==version`` pins missing from ``venv`` (one command, or none)."""
    installed = host.get_fact(VenvPackages, venv=venv)
    missing = [p for p in packages if normalize_pin(p) not in installed]
    if not missing:
        host.noop(f"{', '.join(packages)} installed")
        return
    yield StringCommand(f"{venv}/bin/pip", "install", "-q", *[QuoteString(a) for a in extra_args or []],
                        *[QuoteString(p) for p in missing])


@operation()
def secret_file(dest: str, value: str, user: str = "root", group: str | None = None):
    """A 0600 file holding ``value``. Unlike files.put it never logs the content (not even with
    --diff): only hashes are compared. A missing parent directory is created 0700, owned like the file."""
    data = (value + "\n").encode()
    group = group or user
    current = host.get_fact(File, path=dest)
    parent = posixpath.dirname(dest)
    if current is None and parent and not host.get_fact(Directory, path=parent):
        # Tested when it runs: an operation earlier in this deploy may create the directory its own way.
        yield StringCommand("test -d", QuoteString(parent), "|| install -d -m 700 -o", QuoteString(user),
                            "-g", QuoteString(group), QuoteString(parent))
    if host.get_fact(Sha256File, path=dest) != hashlib.sha256(data).hexdigest():
        # Create the files 0600 before the content arrives: an upload keeps an existing file's mode,
        # and with sudo pyinfra uploads to a temporary file as the SSH user first.
        temp = host.get_temp_filename(dest)
        yield StringCommand("umask 077 && touch", QuoteString(dest))
        if (host.current_op_global_arguments or {}).get("_sudo"):
            yield StringCommand("umask 077 && touch", QuoteString(temp), _sudo=False)
        yield FileUploadCommand(BytesIO(data), dest, remote_temp_filename=temp)
        current = None
    if current is None or current["mode"] != 600:
        yield file_utils.chmod(dest, "600")
    if current is None or (current["user"], current["group"]) != (user, group):
        yield file_utils.chown(dest, user, group)


@operation()
def tarball_extracted(src: str, dest: str, creates: str):
    """Extract the tarball ``src`` (on the host) into ``dest`` unless ``creates`` exists. Unlike
    files.unarchive this does not need ``src`` or ``dest`` to exist when the deploy is planned."""
    if host.get_fact(File, path=creates):
        host.noop(f"{creates} exists")
        return
    yield StringCommand("mkdir -p", QuoteString(dest), "&& tar -xf", QuoteString(src), "-C", QuoteString(dest),
                        "--no-same-owner")


@operation()
def ollama_models_pulled(models: list[str], port: int):
    """Pull (through the Ollama API) the models it does not list yet; waits for a just-started server."""
    present = host.get_fact(OllamaModels, port=port)
    missing = [m for m in models if ollama_model_name(m) not in present]
    if not missing:
        host.noop(f"Ollama has {', '.join(models) or 'no models to pull'}")
        return
    for model in missing:
        body = json.dumps({"model": model, "stream": False})
        yield StringCommand("curl -fsS --retry 30 --retry-connrefused --retry-delay 1 -o /dev/null",
                            QuoteString(f"http://127.0.0.1:{port}/api/pull"), "-d", QuoteString(body))


@operation()
def image_pulled(image: str):
    """`docker pull` ``image`` only when the host lacks it. Unlike docker.image this never re-pulls a
    `:latest` tag (NIM's), so a rerun changes nothing; pin a new tag or digest to move on."""
    if host.get_fact(DockerImage, object_id=image):
        host.noop(f"image {image} is present")
        return
    yield StringCommand("docker pull", QuoteString(image))


def _image_id(image: str) -> str | None:
    found = host.get_fact(DockerImage, object_id=image)
    return found[0].get("Id") if found else None


@operation()
def image_tagged(source: str, tag: str):
    """`docker tag` ``source`` (a pulled image, e.g. ``name@sha256:…``) as ``tag`` unless ``tag`` already is that
    image: a Dockerfile that names ``tag`` then builds from the pinned image, found locally."""
    wanted = _image_id(source)
    if wanted is not None and _image_id(tag) == wanted:
        host.noop(f"{tag} is {source}")
        return
    yield StringCommand("docker tag", QuoteString(source), QuoteString(tag))


def tree_digest(src: Path, skip_dirs: frozenset[str] = frozenset({"__pycache__"})) -> str:
    """sha256 over the relative paths and contents of the files under ``src`` (``skip_dirs`` left out)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in src.rglob("*") if p.is_file() and not skip_dirs & set(p.relative_to(src).parts)):
        digest.update(f"{path.relative_to(src).as_posix()}\0{path.stat().st_mode & 0o777:o}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@operation()
def tree_synced(src: str, dest: str, skip_dirs: tuple[str, ...] = ("__pycache__",)):
    """``dest`` on the host is exactly the local tree ``src`` (``skip_dirs`` left out): replaced whole
    when the tree's digest differs from the one recorded there, so a file removed here goes there too.
    Unlike files.sync, a tree that has not changed costs one fact, not one per file and folder."""
    local = Path(src)
    digest = tree_digest(local, frozenset(skip_dirs))
    stamp = f"{dest}/{TREE_STAMP}"
    if host.get_fact(FileText, path=stamp).strip() == digest:
        host.noop(f"{dest} is {src} ({digest[:12]})")
        return
    archive = BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        tar.add(local, arcname=".", filter=lambda info: None if set(Path(info.name).parts) & set(skip_dirs)
                else info)
    temp = host.get_temp_filename(f"tree {dest}")
    yield FileUploadCommand(BytesIO(archive.getvalue()), temp)
    yield StringCommand("rm -rf", QuoteString(dest), "&& mkdir -p", QuoteString(dest), "&& tar -xzf",
                        QuoteString(temp), "-C", QuoteString(dest), "--no-same-owner && rm -f", QuoteString(temp),
                        "&& echo", QuoteString(digest), ">", QuoteString(stamp))


@operation()
def git_checkout(src: str, dest: str, commit: str, user: str = "root"):
    """``dest`` is a clone of ``src`` with ``commit`` checked out (detached), owned by ``user``. Unlike git.repo,
    which follows a branch, this pins one commit: a rerun at the same commit runs nothing."""
    if host.get_fact(GitHead, path=dest) == commit:
        host.noop(f"{dest} is at {commit[:12]}")
        return
    git = yield from _cloned(src, dest, user)
    # A new pin may be newer than the clone: fetch (from the URL the data names now) unless the commit is there.
    yield StringCommand(git, "cat-file -e", QuoteString(f"{commit}^{{commit}}"), "2>/dev/null ||",
                        git, "fetch -q origin")
    yield StringCommand(git, "checkout -q --detach", QuoteString(commit))


def _cloned(src: str, dest: str, user: str):
    """Commands that clone ``src`` into ``dest`` (as ``user``) unless it is a clone, fetching from ``src`` from
    now on; returns the `git -C dest` prefix for the commands that follow."""
    as_user = StringCommand("sudo -u", QuoteString(user), "-H") if user != "root" else ""
    git = StringCommand(as_user, "git -C", QuoteString(dest))
    yield StringCommand("test -d", QuoteString(f"{dest}/.git"), "|| {", "install -d -o", QuoteString(user),
                        QuoteString(dest), "&&", as_user, "git clone -q --no-checkout", QuoteString(src),
                        QuoteString(dest), "; }")
    yield StringCommand(git, "remote set-url origin", QuoteString(src))
    return git


@operation()
def file_downloaded(url: str, dest: str, sha256: str | None = None, header_file: str | None = None):
    """``dest`` downloaded from ``url``, resumably: curl continues ``dest``.part where an interrupted download
    stopped (tens of GB over a class network), and the file takes its name only once complete and, when
    ``sha256`` is given, verified. A present ``dest`` is trusted: hashing 60 GB on every rerun is too slow.
    ``header_file``: a file on the host whose lines curl sends as headers (`-H @file`), e.g. a 0600 file with
    "Authorization: Bearer ..." for gated weights, so that the token is on no command line."""
    if host.get_fact(File, path=dest):
        host.noop(f"{dest} is present")
        return
    part = QuoteString(f"{dest}.part")
    headers = ["-H", QuoteString(f"@{header_file}")] if header_file else []
    yield StringCommand("mkdir -p", QuoteString(posixpath.dirname(dest)))
    yield StringCommand("curl -fsSL --retry 5 -C -", *headers, "-o", part, QuoteString(url))
    if sha256:
        yield StringCommand("echo", QuoteString(f"{sha256}  {dest}.part"), "| sha256sum -c --quiet -",
                            "|| { rm -f", part, "; echo", QuoteString(f"{url}: sha256 mismatch, removed"),
                            ">&2; exit 1; }")
    yield StringCommand("mv", part, QuoteString(dest))


@operation()
def git_tag_checkout(src: str, dest: str, tag: str, user: str = "root"):
    """``dest`` is a clone of ``src`` with the release tag ``tag`` checked out (detached): for a source pinned by a
    tag whose commit is not known here (pin the commit with git_checkout when it is). A rerun at the same tag runs
    nothing; a tag moved upstream is not followed (the clone keeps the commit it first fetched)."""
    ref = f"refs/tags/{tag}"
    head = host.get_fact(GitHead, path=dest)
    if head and head == host.get_fact(GitRevision, path=dest, rev=ref):
        host.noop(f"{dest} is at {tag} ({head[:12]})")
        return
    git = yield from _cloned(src, dest, user)
    yield StringCommand(git, "rev-parse -q --verify", QuoteString(f"{ref}^{{commit}}"), ">/dev/null ||",
                        git, "fetch -q origin", QuoteString(f"+{ref}:{ref}"))
    yield StringCommand(git, "checkout -q --detach", QuoteString(ref))


@operation()
def self_signed_certificate(cert: str, key: str, common_name: str, owner: str, days: int = 3650):
    """A self-signed certificate and its key, made once on the host: the key 0600 and ``owner``'s, the
    certificate world-readable. Both present: nothing runs (a new certificate would make every browser that
    accepted the old one warn again)."""
    if host.get_fact(File, path=cert) and host.get_fact(File, path=key):
        host.noop(f"{cert} exists")
        return
    yield StringCommand("mkdir -p", *[QuoteString(d) for d in dict.fromkeys(map(posixpath.dirname, (cert, key)))])
    yield StringCommand("umask 077 && openssl req -x509 -newkey rsa:3072 -nodes -days", str(days),
                        "-subj", QuoteString(f"/CN={common_name}"), "-addext",
                        QuoteString(f"subjectAltName=DNS:{common_name}"), "-keyout", QuoteString(key), "-out",
                        QuoteString(cert))
    yield StringCommand("chown", QuoteString(owner), QuoteString(key), "&& chmod 600", QuoteString(key),
                        "&& chmod 644", QuoteString(cert))


def _pipx(home: str, bin_dir: str) -> StringCommand:
    """pipx with its venvs and app links under ``home`` and ``bin_dir`` (not a user's ~/.local)."""
    return StringCommand("env", QuoteString(f"PIPX_HOME={home}"), QuoteString(f"PIPX_BIN_DIR={bin_dir}"),
                         QuoteString(f"PIPX_MAN_DIR={home}/man"), "pipx")


@operation()
def pipx_installed(package: str, version: str, home: str, bin_dir: str, pip_args: list[str] | None = None):
    """``package==version`` installed with pipx into ``home``/venvs, its apps linked into ``bin_dir``; installed
    again (--force) only when the venv holds another version."""
    if normalize_pin(f"{package}=={version}") in host.get_fact(VenvPackages, venv=f"{home}/venvs/{package}"):
        host.noop(f"{package} {version} installed with pipx")
        return
    # One argument with `=`: argparse would take a separate value starting with `--` for an option.
    args = [QuoteString("--pip-args=" + " ".join(quote(a) for a in pip_args))] if pip_args else []
    yield StringCommand("mkdir -p", QuoteString(home), QuoteString(bin_dir))
    yield StringCommand(_pipx(home, bin_dir), "install --force", *args, QuoteString(f"{package}=={version}"))
