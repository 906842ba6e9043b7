"""LAB FIXTURE: stand-in for cudf.pandas (`%load_ext cudf.pandas`, `python -m cudf.pandas`): pandas stays pandas."""
import sys as _sys


def install():
    print("cudf.pandas: sparklab stand-in, pandas runs on the CPU", file=_sys.stderr)


def load_ipython_extension(ipython):
    install()
