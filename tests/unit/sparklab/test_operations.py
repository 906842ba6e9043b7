"""Custom operations run on real files here: their commands by `sh`, their facts from those files."""

import getpass
import os
import stat

import pytest
from pyinfra.api import FileUploadCommand

from sparklab import operations

# What `ssh-keyscan -t ed25519 192.168.100.11` prints on stdout (its `# host:22 SSH-2.0-…` banner goes to stderr).
KEYSCAN = "192.168.100.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlanTestKeyOnly"


class HostHere:
    """pyinfra's `host` inside an operation's body: facts are their commands run here by `sh`."""

    name = "here"

    def __init__(self, sh):
        self.sh = sh
        self.noops = []

    def get_fact(self, fact, **kwargs):
        command = fact().command(**kwargs)
        output = self.sh(getattr(command, "get_raw_value", lambda: command)())
        return fact().process(output) if output else fact().default()  # pyinfra's default for no output

    def noop(self, description):
        self.noops.append(description)


def _converge_known_hosts(known_hosts, here, peers):
    commands = list(operations.peer_host_keys._inner(known_hosts=str(known_hosts), owner=getpass.getuser(),
                                                     peers=peers))
    for command in commands:
        here.sh(command.get_raw_value())
    return commands


def test_peer_host_keys_writes_every_name_then_is_a_noop_and_replaces_a_reimaged_peers_key(tmp_path, sh,
                                                                                             fake_tools, monkeypatch):
    fake_tools.add("ssh-keyscan", KEYSCAN + "\n")
    here = HostHere(sh)
    monkeypatch.setattr(operations, "host", here)
    known_hosts = tmp_path / "known_hosts"
    other = "192.168.100.12,spark-3 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherPeerKey\n"
    known_hosts.write_text(other)
    peers = [(["spark-2", "spark-2-qsfp"], "192.168.100.11")]

    commands = _converge_known_hosts(known_hosts, here, peers)
    assert commands[-1].get_raw_value() == f"chown {getpass.getuser()}:{getpass.getuser()} {known_hosts}"
    assert known_hosts.read_text() == other + (
        "192.168.100.11,spark-2,spark-2-qsfp ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlanTestKeyOnly\n")

    assert _converge_known_hosts(known_hosts, here, peers) == []
    assert here.noops == ["every peer's host key is known"]

    # spark-2 is re-imaged: a new host key; its entries are replaced, spark-3's line is kept
    fake_tools.add("ssh-keyscan", "192.168.100.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIReimagedKey\n")
    assert _converge_known_hosts(known_hosts, here, peers)
    assert sorted(known_hosts.read_text().splitlines()) == sorted([
        other.strip(), "192.168.100.11,spark-2,spark-2-qsfp ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIReimagedKey"])
    assert not (tmp_path / "known_hosts.old").exists()
    assert _converge_known_hosts(known_hosts, here, peers) == []


def test_a_peer_that_does_not_answer_keeps_its_entries(tmp_path, sh, fake_tools, monkeypatch):
    fake_tools.add("ssh-keyscan", "")
    here = HostHere(sh)
    monkeypatch.setattr(operations, "host", here)
    known_hosts = tmp_path / "known_hosts"
    assert _converge_known_hosts(known_hosts, here, [(["spark-2"], "192.168.100.11")]) == []
    assert here.noops == ["every peer's host key is known"]


class HostWithTemp(HostHere):
    def __init__(self, sh, temp):
        super().__init__(sh)
        self.temp = temp

    def get_temp_filename(self, _hash_key):
        return str(self.temp)


def _apply(commands, sh):
    """Run an operation's commands here: uploads written, shell commands run by `sh`."""
    for command in commands:
        if isinstance(command, FileUploadCommand):
            with open(command.dest, "wb") as upload:
                upload.write(command.src.getvalue())
        else:
            sh(command.get_raw_value())


def test_tree_synced_copies_the_tree_removes_what_is_gone_and_then_is_a_noop(tmp_path, sh, monkeypatch):
    src, dest = tmp_path / "src", tmp_path / "on host" / "distributed"
    (src / "launch" / "__pycache__").mkdir(parents=True)
    (src / "launch" / "jobs.py").write_text("JOBS = 1\n")
    (src / "launch" / "__pycache__" / "jobs.cpython-311.pyc").write_bytes(b"\0")
    (src / "driver.py").write_text("DRIVER = 1\n")
    here = HostWithTemp(sh, tmp_path / "upload.tgz")
    monkeypatch.setattr(operations, "host", here)

    def sync():
        return list(operations.tree_synced._inner(src=str(src), dest=str(dest)))

    _apply(sync(), sh)
    copied = sorted(str(p.relative_to(dest)) for p in dest.rglob("*") if p.is_file())
    assert copied == [operations.TREE_STAMP, "driver.py", "launch/jobs.py"]
    assert not (tmp_path / "upload.tgz").exists()
    assert sync() == [] and len(here.noops) == 1, "an unchanged tree costs one fact and changes nothing"

    (src / "driver.py").unlink()
    (src / "launch" / "jobs.py").write_text("JOBS = 2\n")
    _apply(sync(), sh)
    assert sorted(str(p.relative_to(dest)) for p in dest.rglob("*.py")) == ["launch/jobs.py"]
    assert (dest / "launch" / "jobs.py").read_text() == "JOBS = 2\n"


def test_user_in_groups_asks_id_and_appends_only_what_is_missing(sh, monkeypatch):
    here = HostHere(sh)
    monkeypatch.setattr(operations, "host", here)
    assert list(operations.user_in_groups._inner(user="root", groups=["root"])) == []
    assert here.noops == ["root is in root"]
    (command,) = operations.user_in_groups._inner(user="root", groups=["root", "spark lab"])
    assert command.get_raw_value() == "usermod -aG 'spark lab' root"


def test_self_signed_certificate_is_made_once_with_a_0600_key(tmp_path, sh, monkeypatch):
    here = HostHere(sh)
    monkeypatch.setattr(operations, "host", here)
    cert, key = tmp_path / "tls" / "cert.pem", tmp_path / "tls" / "key.pem"
    owner = getpass.getuser()

    def make():
        return list(operations.self_signed_certificate._inner(cert=str(cert), key=str(key), common_name="localhost",
                                                              owner=owner, days=30))

    for command in make():
        sh(command.get_raw_value())
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(cert.stat().st_mode) == 0o644
    subject = sh(f"openssl x509 -in {cert} -noout -subject -ext subjectAltName")
    assert "CN = localhost" in subject[0] and "DNS:localhost" in subject[-1]
    assert make() == [] and here.noops == [f"{cert} exists"], "a second run keeps the certificate browsers accepted"


def test_pipx_installed_installs_the_pin_with_the_pip_args_and_then_is_a_noop(tmp_path, sh, fake_tools, monkeypatch):
    fake_tools.add("pipx", "")
    here = HostHere(sh)
    monkeypatch.setattr(operations, "host", here)
    home = tmp_path / "pipx"

    def install(version="0.4.0"):
        return list(operations.pipx_installed._inner(package="live-vlm-webui", version=version, home=str(home),
                                                     bin_dir=f"{home}/bin", pip_args=["--find-links", "http://m/w/"]))

    mkdir, command = install()
    assert command.get_raw_value() == (
        f"env PIPX_HOME={home} PIPX_BIN_DIR={home}/bin PIPX_MAN_DIR={home}/man pipx install --force "
        "'--pip-args=--find-links http://m/w/' live-vlm-webui==0.4.0")
    site = home / "venvs" / "live-vlm-webui" / "lib" / "python3.12" / "site-packages"
    (site / "live_vlm_webui-0.4.0.dist-info").mkdir(parents=True)  # what pipx leaves
    assert install() == [] and here.noops == ["live-vlm-webui 0.4.0 installed with pipx"]
    assert len(install("0.5.0")) == 2, "another version is installed again"


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root: the clone is made root's (install -d -o root)")
def test_git_tag_checkout_checks_out_the_tag_and_then_is_a_noop(tmp_path, sh, monkeypatch):
    upstream, dest = tmp_path / "upstream", tmp_path / "clone"
    git = "git -c user.name=t -c user.email=t@t -c init.defaultBranch=main"
    sh(f"{git} init -q {upstream} && {git} -C {upstream} commit -q --allow-empty -m one && "
       f"{git} -C {upstream} tag v1.0 && {git} -C {upstream} commit -q --allow-empty -m two")
    tagged = sh(f"git -C {upstream} rev-parse v1.0")[0]
    here = HostHere(sh)
    monkeypatch.setattr(operations, "host", here)

    def checkout():
        return list(operations.git_tag_checkout._inner(src=str(upstream), dest=str(dest), tag="v1.0"))

    for command in checkout():
        sh(command.get_raw_value())
    assert sh(f"git -C {dest} rev-parse HEAD") == [tagged]
    assert checkout() == [] and here.noops == [f"{dest} is at v1.0 ({tagged[:12]})"]
