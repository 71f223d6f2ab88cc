"""Two engine sessions in a mesh call inside a network namespace of the test's own (run by
test_network_change_netns.py with `ip netns exec`), their media over the namespace's veth
address, which this script changes mid-call. The meeting server is either
- embedded, on 127.0.0.1: the signalling stays up, as if the old network still reached the
  server; the link names a server elsewhere (not loopback), so that the sessions gather and
  watch the host addresses as on a real network, and the backend goes to 127.0.0.1;
- or remote (`--server URL --ca FILE --route NET`): a server in another namespace, reached
  over the veth, so the signalling socket lives on the old address and dies with it; after
  the change NET is routed over the device from the new address.

argv: the veth device, the first address (the clients gather it), the second one (CIDR both).
Prints JSON lines: `flowing` (video both ways over the first address), `changed` (the second
address added and the first removed, at `at`), then `back` with the seconds from the change
to the first video frame of a new connection on each side, the frames counted since, and the
local addresses of the connections then; `failed` with what was seen otherwise.
"""

from __future__ import annotations

import argparse
import json
import logging
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from visio_desktop.core.kinds import Slot, TileKey
from visio_desktop.core.links import MeetingLink, parse_link
from visio_desktop.engine import events as ev
from visio_desktop.engine.backends import ServerBackend
from visio_desktop.engine.options import MediaOptions, ReconnectPolicy
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources
from visio_desktop.rtc.mesh import MeshCall
from visio_desktop.server.runner import EmbeddedServer

ROOM = "abc-defg-hij"
WAIT = 20.0


def say(event: str, **details: Any) -> None:
    print(json.dumps({"event": event, **details}), flush=True)


class Side:
    """One session: when each camera frame arrived, and when each new track gave its first."""

    def __init__(
        self,
        engine: EngineThread,
        backend_link: MeetingLink | None,
        name: str,
        tls: ssl.SSLContext | None,
    ) -> None:
        self.name = name
        self.lock = threading.Lock()
        self.frames: list[float] = []  # time.monotonic() of each remote camera frame
        self.first_frames: list[float] = []  # of each new camera track's first frame
        self.events: list[str] = []
        self.self_id = ""
        self.session = Session(
            engine,
            self._event,
            lambda link: ServerBackend(backend_link or link, tls),
            ReconnectPolicy(),
            video_sink=self._frame,
        )

    def _event(self, event: ev.Event) -> None:
        with self.lock:
            if not isinstance(event, ev.AudioLevels):
                self.events.append(event.name)
            if isinstance(event, ev.Joined):
                self.self_id = event.self_id
            elif isinstance(event, ev.FirstRemoteFrame) and event.kind == Slot.CAMERA:
                self.first_frames.append(time.monotonic())

    def _frame(self, tile: TileKey, frame: object) -> None:
        with self.lock:
            self.frames.append(time.monotonic())

    def frames_since(self, since: float) -> int:
        with self.lock:
            return sum(1 for t in self.frames if t > since)

    def first_since(self, since: float) -> float | None:
        with self.lock:
            return next((t for t in self.first_frames if t > since), None)

    def local_addresses(self, engine: EngineThread) -> list[str]:
        """The host addresses of this side's live connections' selected pairs."""

        async def read() -> list[str]:
            meeting = self.session._meeting  # the test looks inside
            plane = meeting.plane if meeting is not None else None
            if not isinstance(plane, MeshCall):
                return []
            found = []
            for participant_id in list(meeting.participants if meeting else ()):
                pc = plane.connection(participant_id)
                if pc is None:
                    continue
                for transceiver in pc.getTransceivers()[:1]:
                    ice = transceiver.sender.transport.transport
                    pair = ice._connection._nominated.get(1)  # aioice: the pair in use
                    if pair is not None:
                        found.append(pair.local_candidate.host)
            return found

        return engine.submit(read()).result(timeout=WAIT)


def until(condition: Callable[[], bool], what: str, within: float = WAIT) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)  # a poll of the other thread's counters, not a synchronisation guess


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("device")
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--server", help="a remote server's base URL")
    parser.add_argument("--ca", help="the remote server's certificate")
    parser.add_argument("--route", help="the remote server's network, routed after the change")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s: %(message)s")
    tls = None
    if args.server:
        link = parse_link(f"{args.server}/{ROOM}")
        backend_link = None
        tls = ssl.create_default_context(cafile=args.ca)
    else:
        server = EmbeddedServer()
        server.start()
        backend_link = parse_link(f"{server.base_url}/{ROOM}")
        link = parse_link(f"https://meeting.invalid/{ROOM}")  # not loopback: real gathering
    engine = EngineThread()
    engine.start()
    sides = [Side(engine, backend_link, name, tls) for name in ("Alice", "Bob")]
    try:
        for side in sides:
            sources = SyntheticSources(side.name, width=320, height=180, fps=15)
            media = MediaOptions(audio=False, video=True, sources=sources)
            side.session.join(link, side.name, media).result(timeout=WAIT)
        until(lambda: all(s.frames_since(0) >= 15 for s in sides), "video both ways")
        say("flowing", addresses=[s.local_addresses(engine) for s in sides])

        subprocess.run(["ip", "addr", "add", args.second, "dev", args.device], check=True)
        subprocess.run(["ip", "addr", "del", args.first, "dev", args.device], check=True)
        if args.route:
            source = args.second.partition("/")[0]
            route = [args.route, "dev", args.device, "src", source]
            subprocess.run(["ip", "route", "add", *route], check=True)
        changed = time.monotonic()
        say("changed")
        until(lambda: all(s.first_since(changed) for s in sides), "a new connection's video")
        firsts = [s.first_since(changed) or 0.0 for s in sides]
        until(
            lambda: all(s.frames_since(f) >= 15 for s, f in zip(sides, firsts, strict=True)),
            "video flowing on the new connections",
        )
        say(
            "back",
            seconds=[round(f - changed, 3) for f in firsts],
            frames=[s.frames_since(changed) for s in sides],
            addresses=[s.local_addresses(engine) for s in sides],
            events=[s.events for s in sides],
        )
    except TimeoutError as exc:
        say("failed", waiting_for=str(exc), events=[s.events for s in sides])
        print("\n".join(f"{s.name}: {s.events}" for s in sides), file=sys.stderr)
    finally:
        for side in sides:
            side.session.leave().result(timeout=WAIT)
        engine.stop()


if __name__ == "__main__":
    main()
