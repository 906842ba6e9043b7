"""Stand-in for the ``sglang`` package (LAB FIXTURE): only ``python3 -m sglang.launch_server``."""
