import sys

from engines.bench_cli import main

sys.exit(main())
