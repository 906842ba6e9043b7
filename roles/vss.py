"""Lab 5B-3, Video Search and Summarization (levels-3-5.md §5B-3). SKELETON: knobs the workload plan reads."""

DEFAULTS = {
    # The agent UI (HAProxy) of the blueprint.
    "vss_port": 7777,
}
