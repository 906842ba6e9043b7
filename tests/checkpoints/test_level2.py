"""Level 2 checkpoint — inference: Ollama, Open WebUI and every engine the inventory enables,
checked from the host itself the way a student would (curl, systemctl, docker)."""

import json

import pytest

from sparklab.checkpoints import exercise, has_gpu, not_applicable
from sparklab.engine_instances import instances_of, ollama_port, skip_reason
from sparklab.facts import ollama_model_name
from sparklab.host_secrets import SECRETS_DIR
from sparklab.workload_plan import workloads_of
from tests import leaks

pytestmark = pytest.mark.level(2)



def _get_json(host, port: int, route: str):
    run = host.run(f"curl -fsS --max-time 20 http://127.0.0.1:{port}{route}")
    assert run.rc == 0, f"GET :{port}{route} failed: {run.stderr.strip()}"
    return json.loads(run.stdout) if run.stdout.strip() else None


def _ollama_port(spark) -> int:
    if not spark.setting("ollama_enabled"):
        not_applicable("ollama_enabled is off in the inventory")
    return ollama_port(spark.setting)


def _instances(spark):
    instances = instances_of(spark.setting)
    if not instances:
        not_applicable("no engine enabled in the inventory")
    return instances


@pytest.fixture
def instance(host, spark, engine):
    """The engine instance under check on this host; N/A where the host does not have it, or where the
    role skips it (a gated model without the HF token, a build without a GPU), with the same reason."""
    found = next((i for i in instances_of(spark.setting) if i.name == engine), None)
    if found is None:
        not_applicable(f"{engine} is not among this host's engines")
    why = skip_reason(found, spark.missing_secret, found.spec.mode == "build" and has_gpu(host))
    if why is not None:
        not_applicable(f"skipped by the deploy: {why}")
    return found


def test_ollama_answers_its_version(host, spark):
    assert _get_json(host, _ollama_port(spark), "/api/version")["version"] == spark.setting("ollama_version")


def test_ollama_lists_the_models_in_data(host, spark):
    listed = {m["name"] for m in _get_json(host, _ollama_port(spark), "/api/tags")["models"]}
    missing = {ollama_model_name(m) for m in spark.setting("ollama_models")} - listed
    assert not missing, f"not pulled: {', '.join(sorted(missing))}"


def test_open_webui_answers(host, spark):
    if not spark.setting("open_webui_enabled"):
        not_applicable("open_webui_enabled is off in the inventory")
    assert _get_json(host, spark.setting("open_webui_port"), "/health")["status"] is True


def test_engine_installed(host, instance):
    assert host.service(instance.unit).exists, f"no unit: {instance.unit}"
    if instance.spec.mode == "container":
        image = instance.spec.image
        assert host.run(f"docker image inspect {image}").rc == 0, f"image not present: {image}"


def test_engine_serves_its_model(host, instance):
    running = host.service(instance.unit).is_running
    if instance.spec.boot:
        assert running, f"{instance.unit} is set to start at boot but is not running"
    elif not running:
        not_applicable("on demand, not started")
    port = instance.spec.port
    # A starting engine (weights still loading) answers neither yet: give it the playbooks' patience.
    ready = host.run(f"timeout 900 sh -c 'until curl -sf http://127.0.0.1:{port}{instance.spec.health} "
                     f">/dev/null; do sleep 2; done'")
    assert ready.rc == 0, f"{instance.unit}: {instance.spec.health} does not answer"
    served = [m["id"] for m in _get_json(host, port, "/v1/models")["data"]]
    assert instance.served_model in served, f"{instance.unit} serves {served}, not {instance.served_model}"


def test_no_unit_for_an_engine_the_data_dropped(host, spark):
    wanted = {f"{i.unit}.service" for i in instances_of(spark.setting)}
    found = host.run("ls /etc/systemd/system | grep '^engine-.*[.]service$'").stdout.split()
    stale = sorted(set(found) - wanted)
    assert not stale, f"left behind: {', '.join(stale)}"


def test_no_two_heavy_engines_enabled_at_boot(host, spark):
    heavy = [i.unit for i in _instances(spark) if i.heavy]
    enabled = [u for u in heavy if host.run(f"systemctl is-enabled {u}").stdout.strip() == "enabled"]
    assert len(enabled) <= 1, f"enabled at boot together: {', '.join(enabled)}"


def test_secret_files_are_0600_and_never_on_a_command_line(host, spark):
    files = [f"{SECRETS_DIR}/{i.unit}.env" for i in _instances(spark)]
    files.append(f"{SECRETS_DIR}/ngc_api_key")
    present = [f for f in files if host.file(f).exists]
    if not present:
        not_applicable("no HF token or NGC key deployed")
    values = set()
    for path in present:
        assert host.file(path).mode == 0o600 and host.file(path).user == "root", f"{path} is not root's 0600 file"
        for line in host.file(path).content_string.splitlines():
            value = line.split("=", 1)[-1].strip()
            if len(value) >= 8:
                values.add(value)
    exposed = host.run("cat /etc/systemd/system/*.service /etc/systemd/system/*.d/*.conf 2>/dev/null; "
                       "ps -eo args").stdout
    leaked = [path for path in present
              if any(leaks.leaked(v, exposed) for v in values if v in host.file(path).content_string)]
    assert not leaked, f"a secret from {', '.join(leaked)} is in a unit file or a process command line"


def test_engine_starts_on_demand(request, host, spark, instance):
    """--exercise: an on-demand engine starts (stopping the heavy boot one), answers, and stops; the boot
    workloads are running again afterwards."""
    if instance.spec.boot:
        not_applicable("starts at boot (checked running above)")
    if not request.config.getoption("--exercise"):
        not_applicable("starting engines takes minutes: run the checkpoint with --exercise")
    workloads = workloads_of(spark.setting)
    problems = exercise(host, next(w for w in workloads if w.name == instance.name), workloads)
    assert not problems, "; ".join(problems[:6])
