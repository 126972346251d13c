"""``python -m kitsu_publish.cli``."""

import sys

from . import main

sys.exit(main())
