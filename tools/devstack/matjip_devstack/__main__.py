"""`python -m matjip_devstack` (what `./matjip` runs)."""

import sys

from matjip_devstack.cli import main

sys.exit(main())
