"""A rank imports only this package: the nodes hold ``distributed/`` and nothing else of the repository."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def test_worker_needs_only_the_distributed_package():
    done = subprocess.run(
        [sys.executable, "-c", "import sys, distributed.worker, distributed.train.train_loop; "
         "print(sorted({m.split('.')[0] for m in sys.modules} & {'sparklab', 'roles', 'engines', 'simlab'}))"],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "[]"
