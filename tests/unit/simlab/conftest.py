"""The simlab tests here and in mirror/ share standin_procs (stand-in programs run on 127.0.0.1): this
folder goes on sys.path so that the tests in subfolders import it by name, as the ones here do."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
