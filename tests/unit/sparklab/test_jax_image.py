"""sparklab.jax_image: the JAX image's pinned bases, its tag (one per pin set) and the checkpoint's jax.devices()."""

from sparklab import jax_image

DIGEST = "sha256:" + "ab" * 32
SETTINGS = {"playbooks_commit": "0db7c141da60870ca6ed5c99436320f4e35cd531",
            "jax_base_image": "nvidia/cuda:13.0.1-runtime-ubuntu24.04", "jax_base_digest": DIGEST,
            "jax_uv_image": "ghcr.io/astral-sh/uv:0.9.2", "jax_uv_digest": None,
            "jax_docker_args": ["--gpus", "all", "--shm-size=1g"]}


def _setting(**extra):
    return {**SETTINGS, **extra}.__getitem__


def test_pinned_pulls_by_digest_when_given():
    assert jax_image.pinned("nvidia/cuda:13.0.1-runtime-ubuntu24.04", DIGEST) == f"nvidia/cuda@{DIGEST}"
    assert jax_image.pinned("localhost:5000/uv:0.9.2", DIGEST) == f"localhost:5000/uv@{DIGEST}"
    assert jax_image.pinned("localhost:5000/uv", DIGEST) == f"localhost:5000/uv@{DIGEST}"
    assert jax_image.pinned("ghcr.io/astral-sh/uv:0.9.2", None) == "ghcr.io/astral-sh/uv:0.9.2"


def test_sources_name_what_the_dockerfile_uses():
    assert jax_image.sources(_setting()) == {
        "nvidia/cuda:13.0.1-runtime-ubuntu24.04": f"nvidia/cuda@{DIGEST}",
        "ghcr.io/astral-sh/uv:latest": "ghcr.io/astral-sh/uv:0.9.2"}


def test_the_tag_follows_every_pin_and_nothing_else():
    tag = jax_image.image_tag(_setting())
    assert tag.startswith("jax-on-spark:") and len(tag.split(":")[1]) == 12
    assert jax_image.image_tag(_setting(jax_docker_args=[])) == tag
    for key, value in (("playbooks_commit", "f" * 40), ("jax_base_digest", None), ("jax_uv_image", "uv:0.9.3")):
        assert jax_image.image_tag(_setting(**{key: value})) != tag, key


def test_devices_command_runs_the_images_venv_with_the_labs_flags():
    command = jax_image.devices_command(_setting())
    assert command == (f"docker run --rm --pull never --gpus all --shm-size=1g {jax_image.image_tag(_setting())} "
                       "/app/.venv/bin/python -c 'import jax; print(jax.devices())'")
