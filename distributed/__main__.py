import sys

from distributed.driver import main

sys.exit(main())
