"""A measured client of the SFU benchmark: `visio-desktop join --headless --synthetic`, plus
the tiles a window would show.

The headless front end shows no tiles, so on an SFU it receives no video. This runner is the
same headless client (`visio_desktop.headless`) that also calls `Session.show_tiles`, as the
window's grid does: the first `--show` remote participants, those named in `--prefer` first,
each at `--tile` device pixels (640x360 is one tile of a 3x3 grid on a 1920x1080 screen). It
prints the headless client's JSON lines and writes its stats to `--stats-json` on SIGTERM.

    python benchmarks/sfu_client.py LINK --name Viewer --show 9 --prefer Sender --stats-json F
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from visio_desktop.app import _stop_on_signals
from visio_desktop.core.errors import VisioError
from visio_desktop.core.kinds import TileKey
from visio_desktop.core.links import parse_link
from visio_desktop.engine import events as ev
from visio_desktop.engine.thread import EngineThread
from visio_desktop.headless import HeadlessClient, HeadlessOptions, JsonLines, stay


class ShowingClient(HeadlessClient):
    """A headless client that shows the first `count` remote participants' cameras."""

    def __init__(
        self,
        engine: EngineThread,
        out: JsonLines,
        count: int,
        tile: tuple[int, int],
        prefer: tuple[str, ...],
    ) -> None:
        super().__init__(engine, out)
        self._count, self._tile, self._prefer = count, tile, prefer
        self._present: dict[str, str] = {}  # id -> name, in the order they came
        self._shown: tuple[str, ...] = ()

    def _on_event(self, event: ev.Event) -> None:
        super()._on_event(event)
        if isinstance(event, ev.Joined):
            self._present.update({p.id: p.display_name for p in event.participants})
            self._present.pop(event.self_id, None)
        elif isinstance(event, ev.ParticipantJoined):
            self._present[event.participant.id] = event.participant.display_name
        elif isinstance(event, ev.ParticipantLeft):
            self._present.pop(event.participant_id, None)
        else:
            return
        self._show()

    def _show(self) -> None:
        """On the engine thread: hand the session the tiles (never wait for it here)."""
        ranked = sorted(self._present, key=lambda i: self._present[i] not in self._prefer)
        shown = tuple(ranked[: self._count])
        if shown != self._shown:
            self._shown = shown
            assert self.out is not None
            self.out.write({"event": "show", "names": [self._present[i] for i in shown]})
            self.session.show_tiles({TileKey.camera(i): self._tile for i in shown})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("link")
    parser.add_argument("--name", required=True)
    parser.add_argument("--video-size", default="640x360")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--show", type=int, default=9, help="how many remote cameras to show")
    parser.add_argument("--tile", default="640x360", help="each tile's size in device pixels")
    parser.add_argument("--prefer", action="append", default=[], help="a name shown first")
    parser.add_argument("--stats-json", type=Path, required=True)
    parser.add_argument("--verbose", action="store_true", help="log the engine's INFO lines")
    parser.add_argument("--stats-interval", type=float, help="a stats line every so many s")
    args = parser.parse_args()
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    width, height = (int(v) for v in args.video_size.split("x"))
    tile_w, tile_h = (int(v) for v in args.tile.split("x"))
    options = HeadlessOptions(
        name=args.name,
        synthetic=True,
        width=width,
        height=height,
        fps=args.fps,
        stats_interval=args.stats_interval,
    )
    engine = EngineThread()
    engine.start()
    out = JsonLines(sys.stdout)
    client = ShowingClient(engine, out, args.show, (tile_w, tile_h), tuple(args.prefer))
    try:
        with _stop_on_signals() as stop:
            try:
                client.join(parse_link(args.link), options)
            except VisioError as exc:
                sys.stderr.write(f"sfu_client: {exc.message}\n")
                return 1
            stay(client, options, stop)
        args.stats_json.write_text(json.dumps(client.stats_record(), indent=2) + "\n")
        client.session.leave().result(timeout=30)
        return 0 if client.fatal is None else 1
    finally:
        engine.stop()
        out.close()


if __name__ == "__main__":
    sys.exit(main())
