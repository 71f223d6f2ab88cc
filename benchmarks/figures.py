"""What every benchmark shares: CPU time read from /proc, medians, ratios and the JSON report.

Each benchmark is run as a script (`.venv/bin/python benchmarks/NAME.py`), so this folder is on
its import path and `from figures import ...` finds this module.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat_cpu(stat: Path) -> float:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def cpu_seconds(pid: int) -> float:
    """CPU seconds a process has used so far (Linux)."""
    return _stat_cpu(Path(f"/proc/{pid}/stat"))


def thread_cpu(native_id: int | None) -> float | None:
    """CPU seconds of one thread of this process (Linux), else None."""
    stat = Path(f"/proc/self/task/{native_id}/stat")
    if native_id is None or not stat.exists():
        return None
    return _stat_cpu(stat)


def median(values: Iterable[float], digits: int = 3) -> float:
    return round(statistics.median(values), digits)


def medians(runs: Sequence[Mapping[str, float | None]], digits: int = 3) -> dict[str, Any]:
    """The median of each figure over several runs; None where no run measured it."""
    result: dict[str, Any] = {}
    for key in runs[0]:
        values = [v for run in runs if (v := run[key]) is not None]
        result[key] = median(values, digits) if values else None
    return result


def ratio(value: float | None, base: float | None, digits: int = 2) -> float | None:
    """`value / base`, or None when either is missing or the base is zero."""
    return None if value is None or not base else round(value / base, digits)


def machine(**extra: object) -> dict[str, object]:
    """What the figures were measured on, with the load at the time."""
    load = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1m": load,
        **extra,
    }


def report(name: str, figures: Mapping[str, object]) -> None:
    """Prints a benchmark's figures as one JSON document on stdout."""
    print(json.dumps({"benchmark": name, **figures}, indent=2))


def visio(
    *args: str, stderr: Any = subprocess.DEVNULL, env: Mapping[str, str] | None = None
) -> subprocess.Popen[str]:
    """A `visio-desktop` subprocess (server or headless client) from this checkout, with
    `env` added to this process's environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "visio_desktop", *args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
