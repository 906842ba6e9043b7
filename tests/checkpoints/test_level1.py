"""Level 1 checkpoint — fundamentals, checked the way a person would prove each item."""

import json
import re
import subprocess
from pathlib import Path

import pytest

from sparklab.checkpoints import has_gpu, not_applicable
from sparklab.sshconfig import ssh_argv

pytestmark = pytest.mark.level(1)


def test_apt_waits_for_its_lock(host):
    assert host.file("/etc/apt/apt.conf.d/90spark-lab-lock-timeout").contains('DPkg::Lock::Timeout "')
    assert host.run("apt-config dump DPkg::Lock::Timeout").stdout.strip() != ""


def test_nvtop_installed(host):
    assert host.package("nvtop").is_installed


def test_mdns_responder_running(host):
    assert host.service("avahi-daemon").is_running


def test_time_zone_and_locale(host, spark):
    zone = spark.setting("base_timezone")
    assert host.check_output("readlink -f /etc/localtime").endswith(f"/{zone}")
    locale = spark.setting("base_locale")
    assert locale.replace("UTF-8", "utf8") in host.check_output("locale -a").split()


def test_lab_user_has_home_and_sudo(host, spark):
    user = host.user(spark.lab_user)
    assert user.exists
    assert host.file(user.home).is_directory
    assert "sudo" in user.groups


def test_lab_user_may_drop_page_cache(host, spark):
    # Proven through sudo's own policy, not by running it: /proc/sys/vm is not writable everywhere.
    allowed = host.run(f"sudo -n -l -U {spark.lab_user}")
    assert f"NOPASSWD: {spark.setting('base_drop_caches_command')}" in allowed.stdout
    assert host.run("visudo -c").rc == 0


# --- access: SSH from the operator's machine, the way a student connects --------------------

def _operator_key(spark) -> str:
    return str(Path(spark.ssh["ssh_key"]).expanduser()) if spark.ssh.get("ssh_key") else ""


def _ssh(spark, user, *options, command="true", timeout=30):
    key = _operator_key(spark)
    argv = ssh_argv(spark.ssh, user, *(["-i", key, "-o", "IdentitiesOnly=yes"] if key else []), *options)
    return subprocess.run([*argv, command], capture_output=True, text=True, timeout=timeout)


def test_lab_user_logs_in_with_a_key(spark):
    run = _ssh(spark, spark.lab_user, "-o", "PreferredAuthentications=publickey", command="id -un")
    assert run.returncode == 0 and run.stdout.strip() == spark.lab_user, run.stderr


def test_password_login_is_refused(spark):
    if not spark.setting("ssh_disable_passwords"):
        not_applicable("ssh_disable_passwords is off in the inventory")
    run = _ssh(spark, spark.lab_user, "-o", "PreferredAuthentications=password,keyboard-interactive",
               "-o", "PubkeyAuthentication=no")
    assert run.returncode != 0
    methods = re.search(r"Permission denied \(([^)]*)\)", run.stderr)
    assert methods and "password" not in methods.group(1) and "keyboard" not in methods.group(1), run.stderr


def test_sshd_forwards_a_tcp_port(spark):
    # `ssh -W` is a TCP forward (what -L tunnels and VS Code use): sshd's own banner comes back.
    run = _ssh(spark, spark.lab_user, "-W", "127.0.0.1:22", command="", timeout=15)
    assert run.stdout.startswith("SSH-2.0-"), run.stderr


# --- Docker, the NVIDIA runtime and NGC ----------------------------------------------------------

def test_docker_runs_a_container_as_the_lab_user(host, spark):
    image = spark.setting("docker_check_image")
    run = host.run(f"sudo -u {spark.lab_user} -H docker run --rm {image} true")
    assert run.rc == 0, run.stderr


def test_container_sees_the_gpu(host, spark):
    if not has_gpu(host):
        not_applicable("no NVIDIA GPU on this host")
    run = host.run(f"sudo -u {spark.lab_user} -H docker run --rm --gpus all "
                   f"{spark.setting('docker_check_image')} nvidia-smi -L")
    assert run.rc == 0 and "GPU 0:" in run.stdout, run.stderr


def test_nvidia_runtime_in_daemon_json(host, spark):
    if spark.setting("nvidia_ctk_when") != "always" and not has_gpu(host):
        not_applicable("no NVIDIA GPU, so no container toolkit")
    config = json.loads(host.file("/etc/docker/daemon.json").content_string)
    assert config["runtimes"]["nvidia"]["path"].endswith("nvidia-container-runtime")
    assert "nvidia" in host.check_output("docker info --format '{{json .Runtimes}}'")


def test_ngc_login_present(host, spark):
    ref = spark.secret("ngc_api_key")
    if ref is None or ref.read() is None:
        not_applicable("no NGC key given (secrets.ngc_api_key)")
    registry = spark.setting("ngc_registry")
    for home in ("/root", f"/home/{spark.lab_user}"):
        config = json.loads(host.file(f"{home}/.docker/config.json").content_string)
        assert registry in config["auths"], home
    assert host.file("/etc/spark-lab/secrets/ngc_api_key").mode == 0o600


# --- reach from outside: Tailscale --------------------------------------------------------------

def test_tailscaled_enabled_and_running(host):
    service = host.service("tailscaled")
    assert service.is_enabled and service.is_running


def test_tailscale_logged_in(host, spark):
    ref = spark.secret("tailscale_auth_key")
    if ref is None or ref.read() is None:
        not_applicable("no Tailscale auth key given: installed, not joined")
    status = json.loads(host.check_output("tailscale status --json"))
    assert status["BackendState"] == "Running"
    assert host.file("/etc/spark-lab/secrets/tailscale_auth_key").mode == 0o600


# --- JupyterLab and the DGX Dashboard ------------------------------------------------------------

def test_jupyterlab_answers_with_auth_required(host, spark):
    ref = spark.secret("jupyterlab_token")
    token = ref.read() if ref else None
    if token is None:
        not_applicable("no JupyterLab token given (secrets.jupyterlab_token)")
    assert host.service("jupyterlab").is_running
    url = f"http://{spark.setting('jupyterlab_ip')}:{spark.setting('jupyterlab_port')}/api/status"
    code = "curl -s -o /dev/null -w '%{http_code}' --retry 10 --retry-connrefused --retry-delay 1 "
    assert host.check_output(code + url) == "403", "JupyterLab must refuse requests without the token"
    assert host.check_output(code + f"-H 'Authorization: token {token}' {url}") == "200"


def test_dgx_dashboard_listening(host, spark):
    if 'DGX_NAME="DGX Spark"' not in host.run("cat /etc/dgx-release").stdout:
        not_applicable("not a DGX Spark (no DGX Dashboard)")
    port = spark.setting("dashboard_port")
    assert host.socket(f"tcp://127.0.0.1:{port}").is_listening or host.socket(f"tcp://0.0.0.0:{port}").is_listening
    assert host.run("nvidia-smi").rc == 0
