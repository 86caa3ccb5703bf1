import sys

from matjip_bench.cli import main

sys.exit(main())
