"""bench/scale.py's inventories and its disk guard, without a lab."""

from types import SimpleNamespace

import pytest

from bench import scale
from simlab import config
from simlab.commandline import inventory_text
from sparklab.inventory import load_lab


@pytest.mark.parametrize("trims", [scale.LAB_DISK_TRIMS, {}])
def test_the_switch_of_eight_validates_with_every_host_trimmed_alike(tmp_path, trims):
    inventory = tmp_path / "switch_8.py"
    inventory.write_text(scale.trimmed(inventory_text("switch:8", config.Paths.from_env()), trims))

    hosts = load_lab(inventory).hosts

    assert len(hosts) == 8
    assert [host.setting("llama_factory_enabled") for host in hosts] == [not trims] * 8
    assert [host.setting("level5_tracks") for host in hosts] == [[] if trims else ["image_generation", "jax"]] * 8


def test_a_lab_the_disk_cannot_hold_is_refused_before_it_starts(monkeypatch, tmp_path):
    monkeypatch.setattr(scale, "host_sizes", lambda: [4 * 10**9, 4 * 10**9])  # the 2-host lab still up
    monkeypatch.setattr(scale.shutil, "disk_usage", lambda path: SimpleNamespace(free=40 * 10**9))
    monkeypatch.setattr(scale.Paths, "from_env", lambda: SimpleNamespace(hosts_dir=tmp_path))

    scale.check_room(8, 5 * 10**9)  # 46 GB asked of 48 GB free once the lab is down
    with pytest.raises(RuntimeError, match=r"8 hosts need ~55 GB \(6.0 GB a host\) and the disk has 48 GB"):
        scale.check_room(8, 6 * 10**9)
