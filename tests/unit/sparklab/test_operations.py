"""Custom operations run on real files here: their commands by `sh`, their facts from those files."""

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
