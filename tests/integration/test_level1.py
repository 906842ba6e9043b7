"""Level 1 on the simulated lab: two runs, the second changes nothing, then the checkpoint is green."""

from sparklab import rehearse


def test_level1_converges_and_checkpoint_is_green(sim_lab, tmp_path):
    first = rehearse.deploy(sim_lab, "deploys/level1.py")
    assert first.returncode == 0 and first.totals["error"] == 0, first.output[-4000:]
    second = rehearse.deploy(sim_lab, "deploys/level1.py")
    assert second.converged, (second.totals, second.changed, second.errors)
    check = rehearse.checkpoints(sim_lab, 1, tmp_path / "report.json")
    assert check.green, check.output[-6000:]
    assert set(check.hosts) == {"spark-sim-1", "spark-sim-2"}
    assert all(status == "PASS" or status.startswith("N/A (") for by_host in check.items.values()
               for status in by_host.values())
