"""Lab 5A-1, ComfyUI (levels-3-5.md §5A-1). SKELETON: knobs the workload plan reads; the helper fills in."""

DEFAULTS = {
    # Started at boot (light: SD1.5 needs ~8 GB); False: on demand (python -m sparklab.labs start comfyui).
    "comfyui_boot": False,
    "comfyui_port": 8188,
}
