"""`python -m visio_desktop` is the same as the `visio-desktop` command."""

import sys

from visio_desktop.cli import main

sys.exit(main())
