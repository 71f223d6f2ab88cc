"""A private X server for tests that need a real display (screenshots, x11grab)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

import pytest


@contextlib.contextmanager
def running_xvfb(size: str = "1280x800x24") -> Iterator[str]:
    """Starts Xvfb on a free display number (it tells us on a pipe when it is ready) and
    yields that display, ":N". With -noreset the server stays up when its last client leaves:
    otherwise it resets, and a client connecting during the reset is refused ("Can't open
    display"), which happened to xmessage right after a list_windows in CI."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is missing: ./dev test installs it (Debian package xvfb)")
    with tempfile.TemporaryDirectory() as folder:
        read, write = os.pipe()
        server = subprocess.Popen(
            [
                "Xvfb",
                "-displayfd",
                str(write),
                "-screen",
                "0",
                size,
                "-nolisten",
                "tcp",
                "-noreset",
            ],
            pass_fds=(write,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=folder,
        )
        os.close(write)
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()
        try:
            assert number, "Xvfb did not start"
            yield f":{number}"
        finally:
            server.terminate()
            server.wait(timeout=10)
