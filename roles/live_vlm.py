"""Lab 5B-2, Live VLM WebUI (levels-3-5.md §5B-2). SKELETON: knobs the workload plan reads."""

DEFAULTS = {
    "live_vlm_boot": False,
    "live_vlm_port": 8090,
}
