"""``python3 -m sglang.launch_server``: the SGLang stand-in (LAB FIXTURE; see standin_engines)."""
import sys

import standin_engines

if __name__ == "__main__":
    sys.exit(standin_engines.main("sglang.launch_server", sys.argv[1:]))
