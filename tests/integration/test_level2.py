"""Level 2 on the simulated lab (stand-in Ollama and engine images that answer the real routes):
two runs, the second changes nothing; the checkpoint is green; `engines bench` measures the running
engines; a changed engine is recreated and nothing else; starting a heavy engine stops the other."""

import json
import subprocess
import sys

import pytest

from sparklab import runner
from sparklab.runner import on_sim_host
from tests.leaks import leaked

pytestmark = pytest.mark.integration
DEPLOY = "deploys/level2.py"
HOSTS = ("spark-sim-1", "spark-sim-2")
ENGINES = ("llamacpp", "nim", "sglang", "trtllm", "vllm")


@pytest.fixture(scope="module")
def deployed(sim_lab, stand_in_keys):
    return runner.deploy_twice(sim_lab, DEPLOY)


def _containers(host) -> dict[str, str]:
    run = on_sim_host(host, "docker ps --format '{{.Names}} {{.ID}}'")
    assert run.returncode == 0, run.stderr
    return dict(line.split() for line in run.stdout.splitlines())


def test_second_run_changes_nothing(deployed):
    _, second = deployed
    assert second.converged, (second.totals, second.changed, second.errors)


def test_checkpoint_green(deployed, sim_lab, tmp_path):
    check = runner.checkpoints(sim_lab, 2, tmp_path / "report.json")
    assert check.green, check.output[-6000:]
    level2 = ("test_ollama_answers_its_version", "test_ollama_lists_the_models_in_data", "test_open_webui_answers",
              *(f"test_engine_installed[{e}]" for e in ENGINES), "test_engine_serves_its_model[vllm]",
              "test_engine_serves_its_model[llamacpp]", "test_no_unit_for_an_engine_the_data_dropped",
              "test_no_two_heavy_engines_enabled_at_boot", "test_secret_files_are_0600_and_never_on_a_command_line")
    for item in level2:
        assert check.items[item] == dict.fromkeys(HOSTS, "PASS"), (item, check.items[item])
    for engine in ("trtllm", "sglang", "nim"):
        item = f"test_engine_serves_its_model[{engine}]"
        assert check.items[item] == dict.fromkeys(HOSTS, "N/A (on demand, not started)"), (item, check.items[item])


def test_secrets_never_in_output(deployed, stand_in_keys):
    text = "".join(run.output + run.stdout for run in deployed)
    assert not [name for name, value in stand_in_keys.items() if leaked(value, text)]


def test_engines_bench_prints_the_comparison(deployed, sim_lab, tmp_path):
    report = tmp_path / "bench.json"
    run = subprocess.run([sys.executable, "-m", "engines", "bench", "--inventory", sim_lab, "--max-tokens", "16",
                          "--json", str(report)], cwd=runner.REPO, capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = json.loads(report.read_text())["engines"]
    measured = {(r["host"], r["engine"]) for r in rows if r["status"] == "ok"}
    assert measured == {(h, e) for h in HOSTS for e in ("ollama", "vllm", "llamacpp")}, rows
    for row in rows:
        if row["status"] == "ok":
            assert row["ttft_ms"] > 0 and row["decode_tps"] > 0 and row["prefill_tps"] > 0, row
    assert "not running" in {r["status"] for r in rows}, "on-demand engines are listed, not measured"
    for engine in ("vllm", "llamacpp", "ollama", "trtllm"):
        assert engine in run.stdout


def test_starting_a_heavy_engine_on_demand_stops_the_running_one(deployed):
    host = HOSTS[0]
    try:
        assert on_sim_host(host, "systemctl start engine-trtllm").returncode == 0
        states = on_sim_host(host, "systemctl is-active engine-trtllm engine-vllm").stdout.split()
        assert states == ["active", "inactive"], states
        served = on_sim_host(host, "timeout 60 sh -c 'until curl -sf localhost:8355/v1/models; do sleep 1; done'")
        assert "nvidia/Llama-3.1-8B-Instruct-FP4" in served.stdout, served.stderr
    finally:
        on_sim_host(host, "systemctl start engine-vllm")
    assert on_sim_host(host, "systemctl is-active engine-trtllm engine-vllm").stdout.split() == ["inactive", "active"]


def test_a_changed_engine_is_recreated_and_nothing_else(deployed, sim_lab, tmp_path):
    before = {h: _containers(h) for h in HOSTS}
    changed = tmp_path / "changed.py"
    text = (runner.REPO / sim_lab).read_text()
    changed.write_text(text.replace('"vllm": {"boot": True},', '"vllm": {"boot": True, "args": ["--max-model-len", '
                                    '"4096"]},').replace('"trtllm": {},', '"trtllm": {"image": '
                                    '"nvcr.io/nvidia/tensorrt-llm/release:1.3.0rc12"},'))
    assert changed.read_text() != text
    try:
        run = runner.deploy(str(changed), DEPLOY)
        assert run.returncode == 0 and run.totals["error"] == 0, run.output[-4000:]
        ops = {c.split(": ", 1)[1] for c in run.changed}
        assert ops == {"Inference engines | engine-vllm unit", "Inference engines | engine-vllm: systemd reloaded",
                       "Inference engines | engine-vllm restarted",
                       "Inference engines | engine-trtllm image nvcr.io/nvidia/tensorrt-llm/release:1.3.0rc12",
                       "Inference engines | engine-trtllm unit",
                       "Inference engines | engine-trtllm: systemd reloaded"}, ops
        for host in HOSTS:  # the changed on-demand engine is not started by the change
            assert on_sim_host(host, "systemctl is-active engine-trtllm").stdout.strip() == "inactive"
        for host in HOSTS:
            after = _containers(host)
            assert after.keys() == before[host].keys()
            assert after["engine-vllm"] != before[host]["engine-vllm"], "vLLM recreated"
            assert {n: i for n, i in after.items() if n != "engine-vllm"} == {
                n: i for n, i in before[host].items() if n != "engine-vllm"}, "the others untouched"
            args = on_sim_host(host, "docker inspect -f '{{json .Args}}' engine-vllm").stdout
            assert "--max-model-len" in args
    finally:
        restore = runner.deploy(sim_lab, DEPLOY)
        assert restore.returncode == 0 and restore.totals["error"] == 0, restore.output[-4000:]
    assert runner.deploy(sim_lab, DEPLOY).converged


def test_an_engine_taken_out_of_the_data_is_removed_and_nothing_else(deployed, sim_lab, tmp_path):
    """Absent means absent (issue 10): its unit and env file go; the other containers keep running."""
    before = {h: _containers(h) for h in HOSTS}
    dropped = tmp_path / "dropped.py"
    text = (runner.REPO / sim_lab).read_text()
    dropped.write_text(text.replace('            "sglang": {},\n', ""))
    assert dropped.read_text() != text
    try:
        run = runner.deploy(str(dropped), DEPLOY)
        assert run.returncode == 0 and run.totals["error"] == 0, run.output[-4000:]
        # sglang is on demand, so already stopped and not enabled: its files go. The other heavy engines
        # lose it from their conflicts drop-in, which reloads systemd and restarts none of them.
        heavy = ("vllm", "trtllm", "nim")
        assert {c.split(": ", 1)[1] for c in run.changed} == {
            "Inference engines | engine-sglang unit removed", "Inference engines | engine-sglang drop-ins removed",
            "Inference engines | engine-sglang /etc/spark-lab/secrets/engine-sglang.env removed",
            "Inference engines | systemd reloaded",
            *(f"Inference engines | engine-{e} one heavy workload at a time" for e in heavy),
            *(f"Inference engines | engine-{e}: systemd reloaded" for e in heavy)}, run.changed
        for host in HOSTS:
            gone = on_sim_host(host, "systemctl cat engine-sglang; ls /etc/spark-lab/secrets/engine-sglang.env")
            assert gone.returncode != 0 and "No files found" in gone.stderr, gone.stdout + gone.stderr
            assert on_sim_host(host, "systemctl is-enabled engine-vllm engine-llamacpp").stdout.split() == [
                "enabled", "enabled"]
            assert _containers(host) == before[host], "the running containers are untouched"
        assert runner.deploy(str(dropped), DEPLOY).converged, "the removal converges"
    finally:
        restore = runner.deploy(sim_lab, DEPLOY)
        assert restore.returncode == 0 and restore.totals["error"] == 0, restore.output[-4000:]
    assert runner.deploy(sim_lab, DEPLOY).converged


def test_a_broken_item_shows_its_reason(deployed, sim_lab, tmp_path):
    """Issue 10: a FAIL carries the first line of its assertion message, in the table and the JSON report."""
    host = HOSTS[0]
    try:
        assert on_sim_host(host, "systemctl stop engine-vllm").returncode == 0
        check = runner.checkpoints(sim_lab, 2, tmp_path / "report.json", "-k", "serves_its_model")
        assert check.items["test_engine_serves_its_model[vllm]"] == {
            host: "FAIL (engine-vllm is set to start at boot but is not running)", HOSTS[1]: "PASS"}
        assert not check.green
        assert "FAIL (engine-vllm is set to start at boot but is not running)" in check.output
    finally:
        on_sim_host(host, "systemctl start engine-vllm")
