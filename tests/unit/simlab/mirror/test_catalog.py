"""simlab.mirror.catalog in step with the roles: the lab mirror serves the versions, image tags and wheels that
the roles' DEFAULTS (and the lab inventory) pin. simlab never imports roles, so this test holds the two together;
Ollama's tarball sha256 is held to inventories/sim_lab.py by test_http_files.py."""
from __future__ import annotations

import importlib
import pkgutil
import re
import runpy
from pathlib import Path

import pytest

import roles
from simlab.mirror import catalog
from simlab.mirror.image_manifests import pull_name

REPO = Path(__file__).resolve().parents[4]


@pytest.fixture(scope="module")
def defaults() -> dict[str, dict]:
    """Every role's DEFAULTS, by module name."""
    modules = (importlib.import_module(f"roles.{m.name}") for m in pkgutil.iter_modules(roles.__path__))
    return {m.__name__.split(".")[-1]: m.DEFAULTS for m in modules if hasattr(m, "DEFAULTS")}


@pytest.fixture(scope="module")
def lab_group_data() -> dict:
    return runpy.run_path(str(REPO / "inventories" / "sim_lab.py"))["sim_sparks"][1]


def _images(value, key: str = ""):
    """Image references anywhere in DEFAULTS-like data: under "image", "*_image" and "*_images" keys (a map keyed by
    port numbers, e.g. rapids_notebooks_ports, holds none)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _images(v, str(k))
    elif key == "image" or key.endswith("_image"):
        yield value
    elif key.endswith("_images"):
        yield from value


def _full_name(ref: str) -> str:
    """``lmsysorg/sglang:tag`` -> ``docker.io/lmsysorg/sglang:tag``, as pull_name() spells Docker Hub images."""
    first = ref.split("/")[0]
    if "/" in ref and ("." in first or ":" in first or first == "localhost"):
        return ref
    return f"docker.io/{ref}" if "/" in ref else f"docker.io/library/{ref}"


def _playbook_images() -> set[str]:
    """Images the stand-in playbooks pull (compose ``image:``, Dockerfile ``FROM``, ARG defaults expanded), less
    the ones they build and the profiles' extras the lab does not run (qdrant, curl)."""
    names = set()
    for path in sorted((catalog.STANDINS / "playbooks").rglob("*")):
        if path.name.endswith((".yml", ".yaml")):
            names |= set(re.findall(r"^\s+image:\s*(\S+)", path.read_text(), re.M))
        elif path.name.startswith("Dockerfile"):
            text = path.read_text()
            args = dict(re.findall(r"^ARG (\w+)=(\S+)", text, re.M))
            stages = set(re.findall(r"^FROM \S+ AS (\S+)", text, re.M))
            for ref in set(re.findall(r"^FROM (\S+)", text, re.M)) - stages:
                for _ in range(3):
                    ref = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), ref)
                names.add(ref)
    built = {"ollama-custom:latest", "local/llama.cpp:server-cuda", "qdrant/qdrant:latest", "curlimages/curl:latest"}
    return {_full_name(n) for n in names - built}


def _pins(requirements: list[str]) -> dict[str, str]:
    """``["torch==2.13.0+cpu", ...]`` -> ``{"torch": "2.13.0"}`` (a local version label serves as the same wheel)."""
    return {name: version.split("+")[0] for name, version in (r.split("==") for r in requirements)}


def test_apt_packages_are_the_roles_versions(defaults):
    served = {p["name"]: p["version"] for p in catalog.PACKAGES}
    tailscale, ctk = defaults["tailscale"], defaults["nvidia_container_toolkit"]
    assert catalog.TAILSCALE_VERSION == tailscale["tailscale_version"] == served["tailscale"]
    assert catalog.NVIDIA_CONTAINER_TOOLKIT_VERSION == ctk["nvidia_ctk_version"]
    for name in ctk["nvidia_ctk_packages"]:
        assert served[name] == ctk["nvidia_ctk_version"], name


def test_ollama_is_the_roles_version(defaults):
    assert defaults["ollama"]["ollama_version"] == catalog.OLLAMA_VERSION


def test_images_are_the_ones_the_roles_pull(defaults, lab_group_data):
    served = {pull_name(i) for i in catalog.IMAGES}
    pulled = {_full_name(ref) for ref in _images(defaults)}
    assert pulled - served == set(), "a role pulls an image the lab mirror has no stand-in for"
    in_lab = pulled | {_full_name(ref) for ref in _images(lab_group_data)}
    playbooks = _playbook_images()
    assert playbooks - served == set(), "a stand-in playbook pulls an image the lab mirror has no stand-in for"
    assert served - in_lab - playbooks == set(), "a stand-in image that nothing in the lab pulls (a tag changed?)"


def test_wheels_are_the_pinned_versions(defaults, lab_group_data):
    wheels = _pins(catalog.WHEELS)
    assert wheels["jupyterlab"] == defaults["jupyterlab"]["jupyterlab_version"]
    assert wheels["live-vlm-webui"] == defaults["live_vlm"]["live_vlm_version"]
    assert lab_group_data.get("live_vlm_pip_args") is None, "pipx installs it from the wheelhouse (base_pip_args)"
    role = _pins(defaults["distributed_env"]["distributed_pip_packages"])
    assert {name: wheels[name] for name in wheels.keys() & role.keys()} == {
        name: role[name] for name in wheels.keys() & role.keys()}
    # the lab hosts install from the wheelhouse alone (--no-index): every package they pin is there
    lab = _pins(lab_group_data["distributed_pip_packages"])
    assert {name: wheels.get(name) for name in lab} == lab


def test_llama_factorys_wheelhouse_is_the_roles_pins(defaults, lab_group_data):
    """LLaMA Factory's own wheelhouse resolves the role's torch trio with the release the lab pins, and the lab
    installs from it alone (its own pip args, no PyTorch index), from the mirror's LLaMA-Factory repo."""
    role = defaults["llama_factory"]
    assert catalog.LLAMA_FACTORY_TORCH == role["llama_factory_torch"]
    wanted = catalog.OWN_WHEELHOUSES["wheels-llama-factory"]
    assert f"llamafactory[{role['llama_factory_extras']}]=={catalog.LLAMA_FACTORY_VERSION}" in wanted
    assert set(role["llama_factory_torch"]) <= set(wanted)
    sdist = catalog.GIT_REPOS["hiyouga/LLaMA-Factory"]["sdist"]
    assert sdist["requirement"] == f"llamafactory=={catalog.LLAMA_FACTORY_VERSION}"
    assert lab_group_data.get("llama_factory_enabled", True)
    args = lab_group_data["llama_factory_pip_args"]
    assert "--no-index" in args and args[args.index("--find-links") + 1] == \
        f"{catalog.MIRROR_URL}/files/wheels-llama-factory/"
    assert not lab_group_data["llama_factory_torch_index"]
    assert lab_group_data["llama_factory_repo_url"] == f"{catalog.MIRROR_URL}/git/hiyouga/LLaMA-Factory.git"


def test_the_chatbots_model_stand_ins_are_pinned_by_the_lab_inventory(defaults, lab_group_data):
    """Every GGUF file the chatbot role downloads is served by the mirror at the same path, and the lab inventory
    pins the stand-in's sha256."""
    files = defaults["multi_agent_chatbot"]["chatbot_model_files"]
    served = {path.removeprefix("huggingface/"): sha for path, sha in catalog.GGUF_FILES.items()}
    wanted = [path for paths in files.values() for path in paths]
    assert sorted(wanted) == sorted(served)
    assert lab_group_data["chatbot_model_sha256"] == {p.rsplit("/", 1)[-1]: served[p] for p in wanted}


def test_the_comfyui_lab_runs_on_the_mirrors_stand_ins(defaults, lab_group_data):
    """The ComfyUI lab in the lab: the mirror's ComfyUI repo, the CPU torch of the wheelhouse with no PyTorch
    index, and the SD1.5 stand-in at the playbook's path on the mirror, pinned by its sha256."""
    role = defaults["comfyui"]
    assert lab_group_data["comfyui_repo_url"] == f"{catalog.MIRROR_URL}/git/comfyanonymous/ComfyUI.git"
    assert "comfyanonymous/ComfyUI" in catalog.GIT_REPOS
    assert not lab_group_data["comfyui_torch_index"] and "comfyui_pip_args" not in lab_group_data
    wheels = _pins(catalog.WHEELS)
    torch = _pins(lab_group_data["comfyui_torch_packages"])
    assert {name: wheels.get(name) for name in torch} == torch
    path = "huggingface/" + role["comfyui_checkpoint_url"].removeprefix("https://huggingface.co/")
    assert lab_group_data["comfyui_checkpoint_url"] == f"{catalog.MIRROR_URL}/files/{path}"
    assert lab_group_data["comfyui_checkpoint_sha256"] == catalog.SAFETENSORS_FILES[path]
    assert lab_group_data["comfyui_args"] == ["--cpu"]


def test_the_cuda_runtime_images_twin_names_are_one_image():
    """nvcr.io/nvidia/cuda and Docker Hub's nvidia/cuda are one repository in the lab registry (the path without the
    host): the two entries must describe the same image, or the second push would replace the first."""
    twins = [i for i in catalog.IMAGES if (i["repository"], i["tag"]) == ("nvidia/cuda", "13.0.1-runtime-ubuntu24.04")]
    assert sorted(i["registry"] for i in twins) == ["docker.io", "nvcr.io"]
    assert [{k: v for k, v in i.items() if k != "registry"} for i in twins][0] == \
        {k: v for k, v in twins[1].items() if k != "registry"}
    by_repo = {}
    for image in catalog.IMAGES:
        by_repo.setdefault((image["repository"], image["tag"]), []).append(
            {k: v for k, v in image.items() if k != "registry"})
    assert {repo: specs for repo, specs in by_repo.items() if any(s != specs[0] for s in specs)} == {}


def test_the_jax_images_base_holds_the_playbooks_pins_and_uv_is_the_roles():
    """The JAX image's stand-in base has the Dockerfile's pins (less opencv) from its own wheelhouse; the uv image is
    the release roles/jax_lab.py pulls."""
    import roles.jax_lab

    assert catalog.SITE_PACKAGES["jax"] == catalog.JAX_PINS
    assert set(catalog.JAX_PINS) == {"jax==0.7.2", "marimo==0.16.5", "numpy==2.3.3", "plotly==6.3.0", "tqdm==4.67.1"}
    assert catalog.SITE_PACKAGES_WHEELHOUSE["jax"] == "wheels-jax"
    uv = roles.jax_lab.DEFAULTS["jax_uv_image"]
    assert f"uv=={uv.rsplit(':', 1)[1]}" in catalog.OWN_WHEELHOUSES["wheels-jax"]
    assert any(pull_name(i) == uv for i in catalog.IMAGES)
