"""How fast a mesh call comes back after a network change (Wi-Fi to cable), as one JSON
document (issue 13: new addresses lead to an ICE restart or new connections within 2 s).

Each run is tests/engine/netchange_rig.py's call: two engine sessions in a network namespace
made for the run, video both ways (320x180@15) over one address of a veth, which is then
swapped for an address on another subnet. The figure is the seconds from the change to the
first video frame of a new connection, for the slower of the two sides. Two cases:
- `peers_restart`: the meeting server on 127.0.0.1 in the namespace; the signalling survives,
  and the peers restart their connections over the new address;
- `rejoin`: the server in a second namespace across the veth; its socket dies with the old
  address, and the sessions rejoin over the new one.
No baseline runs beside it: before the address watcher, a call noticed a change only when
media stalled for 3 s (peers) or when the signalling's 15 s ping went unanswered (rejoin).
Needs root (network namespaces), as the tests that use the same rig.

    .venv/bin/python benchmarks/netchange.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.engine.netchange_rig import change_network_once
from tests.livekit.netns import why_not_available

from figures import machine, report

GOAL_SECONDS = 2.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    reason = why_not_available()
    if reason is not None:
        sys.exit(f"netchange.py: {reason}")
    cases: dict[str, dict[str, object]] = {}
    for label, remote in (("peers_restart", False), ("rejoin", True)):
        seconds: list[float] = []
        failed: list[str] = []
        for run in range(args.runs):
            print(f"[netchange] {label}, run {run + 1}/{args.runs}", file=sys.stderr)
            with tempfile.TemporaryDirectory() as workdir:
                outcome = change_network_once(remote=remote, workdir=Path(workdir))
            if outcome.back["event"] == "back":
                seconds.append(max(outcome.back["seconds"]))
            else:
                failed.append(str(outcome.back.get("waiting_for", outcome.back["event"])))
        cases[label] = {
            "runs": len(seconds),
            "back_after_change_s_median": round(statistics.median(seconds), 3) if seconds else None,
            "back_after_change_s_max": max(seconds) if seconds else None,
            "each_s": seconds,
            "failed": failed,
            "within_goal": bool(seconds) and max(seconds) <= GOAL_SECONDS and not failed,
        }
    report(
        "netchange",
        {
            "video": "320x180@15 VP8, two engine sessions, synthetic camera",
            "goal_s": GOAL_SECONDS,
            "machine": machine(),
            "cases": cases,
        },
    )


if __name__ == "__main__":
    main()
