"""The lab archive key that signs the mirror's apt repos: ed25519, no passphrase, made once in the lab cache
(``<cache>/gpg``); a lost cache gives a new key, and the next build re-signs everything."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .host_tools import log, run

KEY_UID = "Sparklab simulated lab archive (LAB FIXTURE, not a vendor key) <lab-archive@sparklab.invalid>"


def gpg(home: Path, *args, **kw):
    env = dict(os.environ, GNUPGHOME=str(home))
    return run(["gpg", "--batch", "--no-tty", "--quiet", *args], env=env, **kw)


def kill_agent(home: Path) -> None:
    if home.is_dir():
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=dict(os.environ, GNUPGHOME=str(home)),
                       capture_output=True, check=False)


def ensure_key(cache: Path) -> tuple[Path, str]:
    """Return (GNUPGHOME, fingerprint) of the lab signing key, generating it once."""
    home = cache / "gpg"
    fpr_file = home / "fingerprint"
    if fpr_file.is_file() and (home / "pubring.kbx").is_file():
        fpr = fpr_file.read_text().strip()
        if fpr:
            return home, fpr
    tmp = Path(tempfile.mkdtemp(prefix="gpg.", dir=cache))
    try:
        tmp.chmod(0o700)
        gpg(tmp, "--pinentry-mode", "loopback", "--passphrase", "",
            "--quick-gen-key", KEY_UID, "ed25519", "sign", "never")
        out = gpg(tmp, "--with-colons", "--list-secret-keys", text=True).stdout
        fpr = next(line.split(":")[9] for line in out.splitlines() if line.startswith("fpr:"))
        (tmp / "fingerprint").write_text(fpr + "\n")
    finally:
        kill_agent(tmp)
    if home.exists():
        kill_agent(home)
        shutil.rmtree(home)
    tmp.rename(home)
    log.info("generated lab archive key %s in %s", fpr, home)
    return home, fpr
