import sys

from simlab.commandline import main

sys.exit(main())
