"""Level 5 on the simulated lab with the inventory's two tracks (image generation's ComfyUI, JAX): two runs, the
second changes nothing; the checkpoint with --exercise is green and its "at least 2 tracks" item passes; a third
track installs its labs (its second run changes nothing), and dropping a track removes its units. Then the data
science track beside them: two runs, the second changes nothing; its labs pass the checkpoint with --exercise
(RAPIDS imports cudf and cuml; Portfolio and single-cell at their pins, started, answering, refusing what comes
without the token, stopped); Portfolio and single-cell, which publish the same ports, take turns; dropping the
track removes their units and the RAPIDS environment."""

import pytest

from sparklab import runner

pytestmark = pytest.mark.integration
DEPLOY = "deploys/level5.py"
HOSTS = ("spark-sim-1", "spark-sim-2")
TRACKS = '"level5_tracks": ["image_generation", "jax"]'
DATA_SCIENCE = '["image_generation", "jax", "data_science"]'
NOTEBOOKS = ("portfolio", "single-cell")


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
    third_tracks = _with_tracks(sim_lab, tmp_path, '["image_generation", "jax", "multi_modal"]')
    third = runner.deploy(third_tracks, DEPLOY)
    assert third.returncode == 0, third.output[-4000:]
    assert _unit_exists("lab-live-vlm") == dict.fromkeys(HOSTS, True)
    again = runner.deploy(third_tracks, DEPLOY)
    assert again.converged, (again.totals, again.changed, again.errors)
    dropped = runner.deploy(_with_tracks(sim_lab, tmp_path, '["image_generation", "multi_modal"]'), DEPLOY)
    assert dropped.returncode == 0, dropped.output[-4000:]
    assert _unit_exists("lab-jax") == dict.fromkeys(HOSTS, False)
    assert _unit_exists("lab-live-vlm") == _unit_exists("lab-comfyui") == dict.fromkeys(HOSTS, True)
    back = runner.deploy(sim_lab, DEPLOY)  # the inventory's own two tracks again, for the tests after this one
    assert back.returncode == 0, back.output[-4000:]
    assert _unit_exists("lab-live-vlm") == dict.fromkeys(HOSTS, False)
    assert _unit_exists("lab-jax") == dict.fromkeys(HOSTS, True)


@pytest.fixture(scope="module")
def data_science(deployed, sim_lab, tmp_path_factory):
    """The inventory's tracks and data science, deployed twice; the inventory."""
    inventory = _with_tracks(sim_lab, tmp_path_factory.mktemp("data-science"), DATA_SCIENCE)
    return inventory, runner.deploy_twice(inventory, DEPLOY)


def _states(host: str) -> dict[str, str]:
    units = " ".join(f"lab-{lab}.service" for lab in NOTEBOOKS)
    states = runner.on_sim_host(host, f"systemctl is-active {units}").stdout.split()
    return dict(zip(NOTEBOOKS, states, strict=True))


def _answers(host: str) -> str:
    """JupyterLab's /api on the notebooks' port, waited for (a minute at most)."""
    return runner.on_sim_host(host, "for i in $(seq 60); do curl -fsS --max-time 5 http://127.0.0.1:8888/api "
                                    "&& exit; sleep 1; done; exit 1").stdout


def test_data_science_second_run_changes_nothing(data_science):
    _, (first, second) = data_science
    assert first.returncode == 0, first.output[-4000:]
    assert second.converged, (second.totals, second.changed, second.errors)


def test_data_science_labs_pass_the_checkpoint_with_exercise(data_science, tmp_path):
    inventory, _ = data_science
    check = runner.checkpoints(inventory, 5, tmp_path / "report.json", "--exercise", "-k", "test_level5")
    assert check.green, check.output[-6000:]
    passed = dict.fromkeys(HOSTS, "PASS")
    for item in ("test_track_lab_is_at_its_pins[rapids]", "test_track_lab_functional_check[rapids]",
                 *(f"test_track_lab_{what}[{lab}]" for lab in NOTEBOOKS
                   for what in ("is_at_its_pins", "unit_is_installed_on_demand", "starts_answers_and_stops"))):
        assert check.items[item] == passed, (item, check.items[item])
    for what in ("unit_is_installed_on_demand", "starts_answers_and_stops"):  # an environment: no unit, no service
        item = f"test_track_lab_{what}[rapids]"
        assert all(s.startswith("N/A (rapids") for s in check.items[item].values()), (item, check.items[item])
    assert check.items["test_at_least_two_tracks_installed_and_verified"] == {"lab": "PASS"}


def test_portfolio_and_single_cell_take_turns_on_their_ports(data_science):
    """Starting one stops the other first (Conflicts= with an order), so the one started answers on its first try."""
    for host in HOSTS:
        for lab, other in (("portfolio", "single-cell"), ("single-cell", "portfolio")):
            started = runner.on_sim_host(host, f"systemctl start lab-{lab}.service")
            assert started.returncode == 0, (host, lab, started.stderr)
            assert _states(host) == {lab: "active", other: "inactive"}, (host, lab, _states(host))
            assert '"version"' in _answers(host), (host, lab)
            restarts = runner.on_sim_host(host, f"systemctl show -P NRestarts lab-{lab}.service").stdout.strip()
            assert restarts == "0", f"{host}: lab-{lab} failed to start first (ports taken) and was restarted"
        runner.on_sim_host(host, "systemctl stop lab-portfolio.service lab-single-cell.service")
        assert _states(host) == dict.fromkeys(NOTEBOOKS, "inactive"), (host, _states(host))


def test_dropping_data_science_removes_its_units_and_environment(data_science, sim_lab):
    back = runner.deploy(sim_lab, DEPLOY)  # the inventory's own two tracks again, for the tests after this one
    assert back.returncode == 0, back.output[-4000:]
    for lab in NOTEBOOKS:
        assert _unit_exists(f"lab-{lab}") == dict.fromkeys(HOSTS, False), lab
    gone = ["/opt/miniforge3/envs/rapids-test", *(f"/etc/spark-lab/secrets/lab-{lab}.env" for lab in NOTEBOOKS)]
    for host in HOSTS:
        left = runner.on_sim_host(host, f"ls -d {' '.join(gone)} 2>/dev/null").stdout.split()
        assert left == [], (host, left)
