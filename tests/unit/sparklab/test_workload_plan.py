"""The workload plan of a host: one port plan and one memory policy over levels 1–5, refused before connecting."""

import re
import subprocess

import pytest

from roles import knob_defaults
from sparklab.inventory import InventoryError, validate_hosts
from sparklab.workload_plan import heavy_units, workloads_of
from sparklab.workloads import Route, Workload, check, from_json, to_json
from tests.unit.sparklab.test_inventory import PYINFRA, REPO


def error_of(**data) -> str:
    with pytest.raises(InventoryError) as caught:
        validate_hosts([("spark-1", {"lab_user": "nvidia", **data})], knob_defaults())
    return str(caught.value)


def setting_of(**data):
    return lambda key: data[key] if key in data else knob_defaults()[key]


def test_defaults_plan_every_level_without_a_clash():
    names = {w.name: w for w in workloads_of(setting_of())}
    assert {"ollama", "open-webui", "jupyterlab", "dgx-dashboard", "txt2kg", "chatbot", "agentic-rag"} <= set(names)
    assert names["chatbot"].heavy and not names["chatbot"].boot
    assert names["chatbot"].tunnels == {3000: 3000, 8000: 8100}  # the UI's websocket is hard-coded to :8000
    assert not names["txt2kg"].heavy  # it uses level 2's Ollama by default


def test_txt2kgs_own_ollama_on_11434_is_refused_naming_both():
    message = error_of(txt2kg_ollama="bundled", txt2kg_bundled_ollama_port=11434)
    assert "host spark-1: port 11434: ollama (Ollama API) and txt2kg (txt2kg's own Ollama) both publish it" in message


def test_a_stack_on_open_webuis_port_is_refused_naming_both():
    message = error_of(chatbot_ui_port=8080)
    assert "port 8080: open-webui (Open WebUI) and chatbot (chatbot UI) both publish it" in message


def test_the_playbooks_chatbot_backend_port_clashes_with_vllm():
    message = error_of(engines={"vllm": {}}, chatbot_backend_port=8000)
    assert "port 8000: vllm (vllm API (openai/gpt-oss-20b)) and chatbot (chatbot backend) both publish it" in message


def test_two_engines_on_one_port_are_refused():
    assert "port 8000: nim (nim API (meta/llama-3.1-8b-instruct)) and vllm" in error_of(engines={"vllm": {}, "nim": {}})


def test_a_heavy_lab_and_a_heavy_engine_both_at_boot_are_refused():
    message = error_of(engines={"vllm": {"boot": True}}, chatbot_boot=True)
    assert "workloads: vllm and chatbot are heavy workloads both set to start at boot" in message


def test_an_unknown_chatbot_supervisor_is_refused():
    assert "chatbot_supervisor: 'gpt-oss-7b' has no entry in chatbot_model_files" in error_of(
        chatbot_supervisor="gpt-oss-7b")


def test_heavy_units_span_engines_and_labs():
    setting = setting_of(engines={"vllm": {"boot": True}, "llamacpp": {"mode": "container", "port": 30001}},
                         txt2kg_variant="vllm")
    assert heavy_units(setting) == ["engine-vllm", "lab-txt2kg", "lab-chatbot"]


def test_the_vllm_variant_of_txt2kg_publishes_neo4j_and_vllm_not_arangodb():
    txt2kg = next(w for w in workloads_of(setting_of(txt2kg_variant="vllm")) if w.name == "txt2kg")
    assert sorted(txt2kg.ports) == [3001, 7474, 7687, 8001]
    assert txt2kg.heavy


def test_check_refuses_a_name_used_twice():
    twice = [Workload("txt2kg", "engine-txt2kg"), Workload("txt2kg", "lab-txt2kg")]
    with pytest.raises(ValueError, match="txt2kg names two workloads"):
        check(twice)


def test_route_url_is_on_loopback():
    assert Route(3001, "/api/config").url == "http://127.0.0.1:3001/api/config"


def test_pyinfra_refuses_a_port_clash_before_connecting(tmp_path):
    """Acceptance (issue 12): the clash stops pyinfra while it loads the inventory, naming both workloads."""
    copy = tmp_path / "one_spark_copy.py"
    text = (REPO / "inventories" / "one_spark.py").read_text()
    copy.write_text(text + "\nspark_clash = [('spark-x', {'lab_user': 'nvidia', 'txt2kg_ollama': 'bundled', "
                    "'txt2kg_bundled_ollama_port': 11434})]\n")
    run = subprocess.run([PYINFRA, str(copy), "deploys/level3.py", "--dry"], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "Connecting to hosts" not in output
    assert "host spark-x: port 11434: ollama (Ollama API) and txt2kg (txt2kg's own Ollama) both publish it" in output


def test_txt2kg_on_the_host_ollama_needs_it_enabled_and_reachable():
    assert "txt2kg_ollama: 'host' needs level 2's Ollama, and ollama_enabled is False" in error_of(
        ollama_enabled=False)
    assert "needs Ollama to listen beyond loopback (ollama_host is 127.0.0.1:11434)" in error_of(
        ollama_host="127.0.0.1:11434")
    # the bundled Ollama needs neither
    validate_hosts([("spark-1", {"lab_user": "nvidia", "ollama_enabled": False, "txt2kg_ollama": "bundled"})],
                   knob_defaults())


def test_workloads_that_share_ports_are_allowed_when_both_say_so_and_only_one_boots():
    ports = {8888: "Jupyter", 8787: "Dask"}
    portfolio = Workload("portfolio", "lab-portfolio", boot=False, ports=ports,
                         shares_ports_with=frozenset({"single-cell"}))
    single = Workload("single-cell", "lab-single-cell", boot=True, ports=ports,
                      shares_ports_with=frozenset({"portfolio"}))
    check([portfolio, single])
    assert from_json(to_json(portfolio)) == portfolio
    both_at_boot = Workload("portfolio", "lab-portfolio", boot=True, ports=ports,
                            shares_ports_with=frozenset({"single-cell"}))
    with pytest.raises(ValueError, match="port 8888: portfolio and single-cell share their ports and both are set "
                                         "to start at boot"):
        check([both_at_boot, single])
    one_sided = Workload("jax", "lab-jax", boot=False, ports={8888: "marimo"}, shares_ports_with=frozenset({"x"}))
    with pytest.raises(ValueError, match=r"port 8888: single-cell \(Jupyter\) and jax \(marimo\) both publish it"):
        check([single, one_sided])


def test_an_unknown_track_is_refused_before_connecting_naming_host_field_and_value():
    with pytest.raises(InventoryError, match=r"spark-1.*level5_tracks: unknown track 'cooking'"):
        validate_hosts([("spark-1", {"lab_user": "nvidia", "level5_tracks": ["cooking"]})], knob_defaults())


def test_level5_track_labs_join_the_plan_with_their_ports_and_units():
    setting = setting_of(level5_tracks=["image_generation", "data_science", "jax"])
    found = {w.name: w for w in workloads_of(setting)}
    assert found["comfyui"].ports == {8188: "ComfyUI"} and found["comfyui"].unit == "lab-comfyui"
    assert found["jax"].ports == {2718: "JAX marimo notebooks"}
    assert found["flux-comfyui"].heavy and found["flux-train"].heavy and not found["flux-train"].ports
    assert found["portfolio"].shares_ports_with == {"single-cell"}
    assert "live-vlm" not in found and "rapids" not in found  # not chosen; an environment, no unit
    assert "lab-flux-train" in heavy_units(setting)


@pytest.mark.parametrize("tracks, data, message", [
    (["jax"], {"jax_port": 8080},
     "port 8080: open-webui (Open WebUI) and jax (JAX marimo notebooks) both publish it"),
    (["data_science"], {"portfolio_boot": True, "single_cell_boot": True},
     "port 8888: portfolio and single-cell share their ports and both are set to start at boot"),
    (["image_generation"], {"comfyui_port": 8189},
     "port 8189: comfyui (ComfyUI) and flux-comfyui (FLUX ComfyUI) both publish it"),
])
def test_level5_clashes_are_refused_naming_both(tracks, data, message):
    with pytest.raises(InventoryError, match=rf"spark-1.*{re.escape(message)}"):
        validate_hosts([("spark-1", {"lab_user": "nvidia", "level5_tracks": tracks, **data})], knob_defaults())


def test_pyinfra_refuses_jax_on_open_webuis_port_before_connecting(tmp_path):
    """Acceptance (issue 14): JAX on 8080 beside Open WebUI fails before pyinfra connects, naming both."""
    copy = tmp_path / "one_spark_copy.py"
    text = (REPO / "inventories" / "one_spark.py").read_text()
    copy.write_text(text + "\nspark_clash = [('spark-x', {'lab_user': 'nvidia', 'level5_tracks': ['jax'], "
                    "'jax_port': 8080})]\n")
    run = subprocess.run([PYINFRA, str(copy), "deploys/level5.py", "--dry"], cwd=REPO, capture_output=True,
                         text=True, timeout=120)
    output = run.stdout + run.stderr
    assert run.returncode != 0
    assert "Connecting to hosts" not in output
    assert "host spark-x: port 8080: open-webui (Open WebUI) and jax (JAX marimo notebooks) both publish it" in output
