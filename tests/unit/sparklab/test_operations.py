"""Custom operations run on real files here: their commands by `sh`, their facts from those files."""

from pyinfra.api import FileUploadCommand

from sparklab import operations

# What `ssh-keyscan -t ed25519 192.168.100.11` prints on stdout (its `# host:22 SSH-2.0-…` banner goes to stderr).
KEYSCAN = "192.168.100.11 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlanTestKeyOnly"


class HostHere:
    """pyinfra's `host` inside an operation's body: facts are their commands run here by `sh`."""

    def __init__(self, sh):
        self.sh = sh
        self.noops = []

    def get_fact(self, fact, **kwargs):
        return fact().process(self.sh(fact().command(**kwargs)))

    def noop(self, description):
        self.noops.append(description)


def test_peer_host_keys_writes_every_name_and_then_is_a_noop(tmp_path, sh, fake_tools, monkeypatch):
    fake_tools.add("ssh-keyscan", KEYSCAN + "\n")
    here = HostHere(sh)
    monkeypatch.setattr(operations, "host", here)
    known_hosts = tmp_path / "known_hosts"
    peers = [(["spark-2", "spark-2-qsfp"], "192.168.100.11")]

    scan, chown = operations.peer_host_keys._inner(known_hosts=str(known_hosts), owner="student", peers=peers)
    assert chown.get_raw_value() == f"chown student:student {known_hosts}"
    sh(scan.get_raw_value())  # ssh-keyscan | sed >> known_hosts
    assert known_hosts.read_text() == (
        "192.168.100.11,spark-2,spark-2-qsfp ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlanTestKeyOnly\n")

    assert list(operations.peer_host_keys._inner(known_hosts=str(known_hosts), owner="student", peers=peers)) == []
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
