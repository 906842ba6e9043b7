"""Level 5 on the simulated lab with the inventory's two tracks (image generation's ComfyUI, JAX): two runs, the
second changes nothing; the checkpoint with --exercise is green and its "at least 2 tracks" item passes; a third
track installs its labs, and dropping a track removes its units."""

import pytest

from sparklab import runner

pytestmark = pytest.mark.integration
DEPLOY = "deploys/level5.py"
HOSTS = ("spark-sim-1", "spark-sim-2")
TRACKS = '"level5_tracks": ["image_generation", "jax"]'


@pytest.fixture(scope="module")
def deployed(sim_lab, stand_in_keys):
    return runner.deploy_twice(sim_lab, DEPLOY)


def _with_tracks(sim_lab, tmp_path, tracks: str):
    text = (runner.REPO / sim_lab).read_text()
    assert TRACKS in text
    inventory = tmp_path / "sim_lab_tracks.py"
    inventory.write_text(text.replace(TRACKS, f'"level5_tracks": {tracks}'))
    return str(inventory)


def _unit_exists(unit: str) -> dict[str, bool]:
    return {host: runner.on_sim_host(host, f"test -f /etc/systemd/system/{unit}.service").returncode == 0
            for host in HOSTS}


def test_second_run_changes_nothing(deployed):
    first, second = deployed
    assert first.returncode == 0, first.output[-4000:]
    assert second.converged, (second.totals, second.changed, second.errors)


def test_checkpoint_with_exercise_is_green_and_two_tracks_are_verified(deployed, sim_lab, tmp_path):
    check = runner.checkpoints(sim_lab, 5, tmp_path / "report.json", "--exercise", "-k", "test_level5")
    assert check.green, check.output[-6000:]
    assert check.items["test_at_least_two_tracks_installed_and_verified"] == {"lab": "PASS"}
    for item in ("test_track_lab_is_at_its_pins[comfyui]", "test_track_lab_starts_answers_and_stops[comfyui]",
                 "test_track_lab_is_at_its_pins[jax]", "test_track_lab_starts_answers_and_stops[jax]",
                 "test_track_lab_functional_check[jax]"):
        assert check.items[item] == dict.fromkeys(HOSTS, "PASS"), (item, check.items[item])


def test_a_third_track_installs_its_labs_and_dropping_one_removes_its_units(deployed, sim_lab, tmp_path):
    third = runner.deploy(_with_tracks(sim_lab, tmp_path, '["image_generation", "jax", "multi_modal"]'), DEPLOY)
    assert third.returncode == 0, third.output[-4000:]
    assert _unit_exists("lab-live-vlm") == dict.fromkeys(HOSTS, True)
    dropped = runner.deploy(_with_tracks(sim_lab, tmp_path, '["image_generation", "multi_modal"]'), DEPLOY)
    assert dropped.returncode == 0, dropped.output[-4000:]
    assert _unit_exists("lab-jax") == dict.fromkeys(HOSTS, False)
    assert _unit_exists("lab-live-vlm") == _unit_exists("lab-comfyui") == dict.fromkeys(HOSTS, True)
    back = runner.deploy(sim_lab, DEPLOY)  # the inventory's own two tracks again, for the tests after this one
    assert back.returncode == 0, back.output[-4000:]
    assert _unit_exists("lab-live-vlm") == dict.fromkeys(HOSTS, False)
    assert _unit_exists("lab-jax") == dict.fromkeys(HOSTS, True)
