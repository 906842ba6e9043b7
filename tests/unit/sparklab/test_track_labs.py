"""Level 5's tracks as data: the labs of the chosen tracks, single labs switched, bad names refused."""

import pytest

from sparklab import track_labs


def _setting(tracks, labs=None):
    return {"level5_tracks": tracks, "level5_labs": labs or {}}.__getitem__


def test_the_labs_of_the_chosen_tracks_in_catalogue_order():
    assert track_labs.chosen_labs(_setting(["jax", "data_science"])) == ["rapids", "portfolio", "single-cell", "jax"]
    assert track_labs.chosen_labs(_setting([])) == []


def test_a_lab_switched_off_is_left_out_and_a_track_with_none_left_is_not_chosen():
    setting = _setting(["data_science", "jax"], {"rapids": False, "jax": False})
    assert track_labs.chosen_labs(setting) == ["portfolio", "single-cell"]
    assert track_labs.chosen_tracks(setting) == ["data_science"]


@pytest.mark.parametrize("tracks, labs, message", [
    (["gaming"], {}, "level5_tracks: unknown track 'gaming'"),
    (["jax"], {"jupyter": True}, "level5_labs: unknown lab 'jupyter'"),
    (["jax"], {"comfyui": True}, "level5_labs: comfyui is switched on but its track image_generation is not"),
])
def test_bad_names_are_refused_naming_the_field_and_value(tracks, labs, message):
    with pytest.raises(ValueError, match=message):
        track_labs.chosen_labs(_setting(tracks, labs))
