"""Level 5's tracks: which ones a class takes (`level5_tracks`) and single labs switched off or on
(`level5_labs`); sparklab.track_labs turns them into the labs to install, checked before pyinfra connects.
Each lab's own role installs it when chosen and removes its units when not (absent means absent)."""

DEFAULTS = {
    # The class's tracks, any of: image_generation, multi_modal, robotics, data_science, jax. The curriculum's
    # checkpoint asks for at least two.
    "level5_tracks": [],
    # Single labs switched off (or back on) within the chosen tracks, e.g. {"vss": False}.
    "level5_labs": {},
}
