"""Engine instances resolved from inventory data: catalog <- profile <- instance, the memory policy,
and the port plan."""

import pytest

from roles.inference_engines import DEFAULTS
from sparklab.engine_instances import resolve

CATALOG, PROFILES, HEAVY = DEFAULTS["engine_catalog"], DEFAULTS["engine_profiles"], DEFAULTS["engines_heavy"]


def instances(engines):
    return {i.name: i for i in resolve(engines, CATALOG, PROFILES, HEAVY)}


def test_instance_overrides_profile_overrides_catalog():
    i = instances({"fast": {"profile": "nvfp4-qwen3.6", "port": 8010, "args": ["--max-model-len", "4096"]}})["fast"]
    assert i.spec.engine == "vllm" and i.heavy
    assert i.spec.image == CATALOG["vllm"]["image"], "from the catalog"
    assert i.spec.model == "nvidia/Qwen3.6-35B-A3B-NVFP4" and i.served_model == "qwen3.6-35b-a3b", "from the profile"
    assert i.argv == ["vllm", "serve", "nvidia/Qwen3.6-35B-A3B-NVFP4", "--host", "0.0.0.0", "--port", "8010",
                      "--max-model-len", "4096"]
    assert i.unit == "engine-fast"


def test_placeholders_filled_in_command_env_and_files_path():
    nim = instances({"nim": {"port": 8001}})["nim"]
    assert nim.argv == [] and nim.env == {"NIM_SERVER_PORT": "8001"}
    trt = instances({"trtllm": {}})["trtllm"]
    assert trt.argv[-1] == "/etc/spark-lab/engine/extra-llm-api-config.yml"


def test_disabled_instances_are_left_out_and_light_engines_are_not_heavy():
    found = instances({"vllm": {"enabled": False}, "llamacpp": {"boot": True}})
    assert list(found) == ["llamacpp"] and not found["llamacpp"].heavy


@pytest.mark.parametrize("engines, message", [
    ({"mine": {}}, "engines.mine.engine: unknown engine 'mine'"),
    ({"x": {"profile": "nope"}}, "engines.x.profile: unknown profile 'nope'"),
    ({"vllm": {"image": None}}, "engines.vllm.image: a container engine needs an image"),
    ({"vllm": {"port": 70000}}, "engines.vllm.port: Input should be less than or equal to 65535"),
    ({"vllm": {"gpus": "all"}}, "engines.vllm.gpus: Extra inputs are not permitted"),
    ({"vllm": "on"}, "engines.vllm: expected a dict of settings"),
])
def test_bad_engine_data_is_refused_naming_the_field(engines, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        resolve(engines, CATALOG, PROFILES, HEAVY)


def test_light_engine_may_boot_beside_a_heavy_one():
    assert len(instances({"vllm": {"boot": True}, "llamacpp": {"boot": True, "port": 30001}})) == 2
