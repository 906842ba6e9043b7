"""Labs 5D-2 Portfolio Optimization and 5D-3 single-cell (levels-3-5.md §5D-2, §5D-3). SKELETON: knobs the
workload plan reads."""

DEFAULTS = {
    "portfolio_boot": False,
    "single_cell_boot": False,
    # Host port -> what the container publishes there (start_playbook.sh's five -p), the same for both labs.
    "rapids_notebooks_ports": {8888: "JupyterLab", 8787: "Dask dashboard", 8786: "Dask scheduler",
                               8501: "Streamlit", 8050: "Dash"},
}
