"""Base system: apt that waits for its lock, base packages, time zone, locale, the page-cache helper."""

from pyinfra import host
from pyinfra.api import deploy
from pyinfra.operations import apt, files, server

from sparklab.operations import locale_generated

DEFAULTS = {
    # Seconds apt waits for the dpkg lock (unattended-upgrades at first boot) instead of failing.
    "base_apt_lock_timeout": 600,
    # Installed on every host. nvtop: GPU/CPU/RAM at a glance; avahi-daemon: `<host>.local` names.
    "base_packages": [
        "avahi-daemon", "ca-certificates", "curl", "git", "gnupg", "htop", "jq", "locales",
        "nvtop", "python3-venv", "rsync", "sudo", "tmux", "tzdata",
    ],
    # Extra packages for this lab, on top of base_packages.
    "base_extra_packages": [],
    # A canonical tz name (Area/City, Etc/UTC): aliases such as "UTC" are links and never compare equal.
    "base_timezone": "Etc/UTC",
    "base_locale": "en_US.UTF-8",
    # Extra pip arguments for every virtualenv the roles install (a PyPI mirror or wheelhouse).
    "base_pip_args": [],
    # Where the page-cache drop helper lands; the curriculum runs it before memory-heavy work.
    "base_drop_caches_command": "/usr/local/sbin/drop-caches",
}


@deploy("Base system", data_defaults=DEFAULTS)
def base():
    data = host.data
    files.template(
        name="apt waits for the dpkg lock",
        src="templates/base/apt-lock-timeout.conf.j2",
        dest="/etc/apt/apt.conf.d/90spark-lab-lock-timeout",
        mode="644",
        timeout=data.base_apt_lock_timeout,
    )
    apt.packages(
        name="Base packages",
        packages=data.base_packages + data.base_extra_packages,
        cache_time=24 * 3600,
        no_recommends=True,
    )
    server.timezone(name=f"Time zone {data.base_timezone}", timezone=data.base_timezone)
    locale_generated(name=f"Locale {data.base_locale}", locale=data.base_locale)
    files.template(
        name="Default locale",
        src="templates/base/locale.j2",
        dest="/etc/default/locale",
        mode="644",
        locale=data.base_locale,
    )
    files.template(
        name="Page-cache drop helper",
        src="templates/base/drop-caches.sh.j2",
        dest=data.base_drop_caches_command,
        mode="755",
    )
    files.template(
        name="Lab users may drop the page cache with sudo",
        src="templates/base/sudoers-drop-caches.j2",
        dest="/etc/sudoers.d/spark-lab-drop-caches",
        mode="440",
        command=data.base_drop_caches_command,
    )
