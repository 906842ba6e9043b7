"""Level 3 checkpoint — RAG and agents: each lab ready to start (sources at their pins, images built or pulled,
models downloaded, unit installed on demand) and, with --exercise, started, answering through its API and
stopped again, with the boot workloads (vLLM) back afterwards."""

import pytest

from sparklab import rag_labs
from sparklab.checkpoints import exercise, not_applicable
from sparklab.engine_instances import ollama_port
from sparklab.workload_plan import workloads_of

pytestmark = pytest.mark.level(3)


@pytest.fixture
def lab_workload(spark, rag_lab):
    found = next((w for w in rag_labs.workloads(spark.setting) if w.name == rag_lab), None)
    if found is None:
        not_applicable(f"{rag_lab} is disabled in the inventory")
    if rag_lab == rag_labs.AGENTIC_RAG:
        missing = [why for name in ("nvidia_api_key", "tavily_api_key") if (why := spark.missing_secret(name))]
        if missing:
            not_applicable(f"skipped by the deploy: needs {missing[0]}")
    return found


def _head(host, path: str) -> str:
    return host.run(f"git -c safe.directory='*' -C {path} rev-parse HEAD").stdout.strip()


def test_playbooks_checkout_is_at_the_pinned_commit(host, spark):
    path = spark.setting("playbooks_dir")
    assert _head(host, path) == spark.setting("playbooks_commit"), f"{path} is not at the pinned commit"
    assert host.file(path).user == "root", f"{path} should belong to root (read-only for students)"


def test_docker_compose_v2_is_installed(host):
    run = host.run("docker compose version --short")
    assert run.rc == 0, f"docker compose: {run.stderr.strip()}"
    assert int(run.stdout.strip().lstrip("v").split(".")[0]) >= 2


def test_lab_unit_is_installed_on_demand(host, lab_workload):
    unit = host.service(lab_workload.unit)
    assert host.file(f"/etc/systemd/system/{lab_workload.unit}.service").exists, f"no unit {lab_workload.unit}"
    assert unit.is_enabled == lab_workload.boot, f"{lab_workload.unit} enabled={unit.is_enabled}, data says " \
                                                 f"boot={lab_workload.boot}"


def test_lab_images_are_present(host, lab_workload):
    """Every image the stack's compose files name (after the override) is on the host: pulled or built."""
    if lab_workload.name == rag_labs.AGENTIC_RAG:
        not_applicable("runs from a venv, no images")
    exec_start = host.file(f"/etc/systemd/system/{lab_workload.unit}.service").content_string
    command = next(line for line in exec_start.splitlines() if line.startswith("ExecStart="))
    compose = command.removeprefix("ExecStart=").split(" up ")[0]
    listed = host.run(f"{compose} config --images")
    assert listed.rc == 0, f"compose config: {listed.stderr.strip()}"
    missing = [i for i in sorted(set(listed.stdout.split())) if host.run(f"docker image inspect {i}").rc != 0]
    assert not missing, f"images missing: {', '.join(missing)}"


def test_lab_sources_and_models_are_in_place(host, spark, lab_workload):
    if lab_workload.name == rag_labs.CHATBOT:
        directory = spark.setting("chatbot_models_dir")
        missing = [p.rsplit("/", 1)[-1] for p in rag_labs.chatbot_models(spark.setting)
                   if not host.file(f"{directory}/{p.rsplit('/', 1)[-1]}").exists]
        assert not missing, f"models not downloaded: {', '.join(missing)}"
    elif lab_workload.name == rag_labs.AGENTIC_RAG:
        path = spark.setting("agentic_rag_dir")
        assert _head(host, path) == spark.setting("agentic_rag_commit"), f"{path} is not at the pinned commit"
    elif spark.setting("txt2kg_variant") == "ollama" and spark.setting("txt2kg_ollama") == "host":
        tags = host.run(f"curl -fsS http://127.0.0.1:{ollama_port(spark.setting)}/api/tags").stdout
        assert spark.setting("txt2kg_model") in tags, \
            f"{spark.setting('txt2kg_model')} is not in level 2's Ollama"
    else:
        not_applicable("the stack downloads its model when it starts")


def test_lab_starts_answers_and_stops(request, host, spark, lab_workload):
    """--exercise: start the lab (heavy ones stop vLLM), wait for every health route (each lab's functional
    check is among them: txt2kg's /api/config names its model, the chatbot's /available_models its supervisor,
    Milvus /healthz), stop it, and find the boot workloads running again."""
    if not request.config.getoption("--exercise"):
        not_applicable("starting labs takes minutes: run the checkpoint with --exercise")
    problems = exercise(host, lab_workload, workloads_of(spark.setting))
    assert not problems, "; ".join(problems[:6])
