"""The bundle's executable: `visio-desktop ARGS` runs the same command line as the pip install.

PyInstaller needs a script rather than an entry point; this one only hands over to the CLI, so
that the .deb, the .msi and `pip install` all parse links and options in one place.
"""

from __future__ import annotations

import multiprocessing
import sys

from visio_desktop.cli import main

if __name__ == "__main__":
    # The captions worker is a spawned process: in a frozen bundle it starts this executable
    # again, which must then run the worker instead of the application.
    multiprocessing.freeze_support()
    sys.exit(main())
