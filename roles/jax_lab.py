"""Lab 5E, optimized JAX (levels-3-5.md §5E). SKELETON: knobs the workload plan reads."""

DEFAULTS = {
    "jax_boot": False,
    # marimo's own default port: the playbook's 8080 is Open WebUI's.
    "jax_port": 2718,
}
