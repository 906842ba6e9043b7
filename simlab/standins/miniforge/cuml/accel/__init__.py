"""LAB FIXTURE: stand-in for cuml.accel (`%load_ext cuml.accel`): scikit-learn stays scikit-learn, on the CPU."""
import sys as _sys


def install():
    print("cuml.accel: sparklab stand-in, scikit-learn runs on the CPU", file=_sys.stderr)


def load_ipython_extension(ipython):
    install()
