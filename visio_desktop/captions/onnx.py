"""onnxruntime, loaded with its telemetry off: the one way this package reaches it.

onnxruntime 1.32 ships Microsoft's 1DS telemetry: with a model loaded, a process resolves
`mobile.events.data.microsoft.com` and opens TLS to it (seen with strace, see FINDINGS.md).
Captions are made on this machine precisely so that nothing about a meeting leaves it, so
every session is created through `inference_session`, after `load_onnxruntime` has set
`ORT_DISABLE_TELEMETRY=1` (read by the native library when its environment is built) and
called `onnxruntime.disable_telemetry_events()` (the documented switch, for an environment
that already exists). Both are cheap and idempotent.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

__all__ = ["TELEMETRY_ENV", "inference_session", "load_onnxruntime", "telemetry_off_env"]

TELEMETRY_ENV = "ORT_DISABLE_TELEMETRY"


def telemetry_off_env() -> None:
    """Set the environment switch, before onnxruntime is imported (a worker's first step)."""
    os.environ[TELEMETRY_ENV] = "1"


def load_onnxruntime() -> Any:
    """The onnxruntime module with telemetry events disabled. No type hints ship with it."""
    telemetry_off_env()
    onnxruntime: Any = importlib.import_module("onnxruntime")
    onnxruntime.disable_telemetry_events()
    return onnxruntime


def inference_session(path: Path, *, threads: int = 1) -> Any:
    """A CPU session on `path`, quiet, on `threads` threads, created with telemetry off.
    onnxruntime's own (untyped) errors pass through for the caller to translate."""
    onnxruntime = load_onnxruntime()
    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = threads
    options.intra_op_num_threads = threads
    options.log_severity_level = 4
    return onnxruntime.InferenceSession(
        str(path), sess_options=options, providers=["CPUExecutionProvider"]
    )
