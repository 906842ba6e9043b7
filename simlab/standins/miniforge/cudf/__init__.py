"""LAB FIXTURE: stand-in for RAPIDS cuDF in the simulated lab (simlab/standins/miniforge/): pandas on the CPU under
cuDF's name, no GPU. `cudf.DataFrame`, `cudf.read_csv`, ... are pandas'."""
import sys as _sys

import pandas as _pandas

__version__ = "26.06.00"
STANDIN = "sparklab stand-in: cuDF needs an NVIDIA GPU; this is pandas on the CPU"
print(f"cudf: {STANDIN}", file=_sys.stderr)


def __getattr__(name):
    return getattr(_pandas, name)
