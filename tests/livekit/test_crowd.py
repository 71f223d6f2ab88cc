"""A crowd on the SFU, through our server fronting a real livekit-server: everyone hears
everyone, and receives the video it shows and no other.

Six headless clients, each its own process started as the README says (`join LINK --headless
--synthetic`), so that the real command line, headless.py's choice of what to show and its
stats file are what is tested, and the six share the machine's cores as real clients would
(six sessions on one engine thread would share one). Each shows a different number of others
(`--show`, 0 to 5) and says which in its `showing` lines.

And publishing what is needed: a camera nobody watches is not encoded, as LiveKit says (engine
sessions in this process, where the camera's encoder can be watched)."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiortc.codecs.vpx import VpxPayloadDescriptor

from tests.engine.conftest import EventLog
from tests.system.conftest import WAIT, Proc
from visio_desktop.core.kinds import TileKey
from visio_desktop.core.links import MeetingLink, parse_link
from visio_desktop.engine import events as ev
from visio_desktop.engine.backends import ServerBackend
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources
from visio_desktop.rtc.camera_encoder import CameraVp8Encoder
from visio_desktop.rtc.livekit.plane import SfuPlane
from visio_desktop.rtc.plane import MediaPlane, PlaneEvents, PlaneSetup, SendSignal
from visio_desktop.server.runner import EmbeddedServer

ROOM = "cro-wdof-six"
PEOPLE = 6


@pytest.fixture
def clients(tmp_path: Path) -> Iterator[list[Proc]]:
    started: list[Proc] = []
    yield started
    for proc in started:
        proc.kill()


def start_client(sfu_front: EmbeddedServer, tmp_path: Path, number: int, show: int) -> Proc:
    args = [
        "join", f"{sfu_front.base_url}/{ROOM}", "--headless", "--synthetic",
        "--name", f"Agent {number}", "--video-size", "160x90", "--fps", "10",
        "--show", str(show), "--stats-json", str(tmp_path / f"{number}.json"),
        "--stats-interval", "0.5",
    ]  # fmt: skip
    return Proc(args, tmp_path, f"agent{number}")


def showing(client: Proc, count: int) -> list[str]:
    """The participants `client` shows once it shows `count` of them."""
    line = client.wait_for("showing", lambda r: len(r["ids"]) == count)
    return list(line["ids"])


def test_six_clients_each_hear_the_five_others_and_see_only_whom_they_show(
    sfu_front: EmbeddedServer, tmp_path: Path, clients: list[Proc], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no one's settings
    for number in range(PEOPLE):
        clients.append(start_client(sfu_front, tmp_path, number, show=number))
    ids = [str(client.wait_for("joined", timeout=WAIT * 2)["self_id"]) for client in clients]
    for number, client in enumerate(clients):
        others = set(ids) - {ids[number]}
        shown = set(showing(client, number)) if number else set()
        assert len(shown) == number and shown <= others

        def complete(
            line: dict[str, Any], others: set[str] = others, shown: set[str] = shown
        ) -> bool:
            remote = {r["participant_id"]: r for r in line["remote"]}
            return set(remote) == others and all(
                remote[o]["audio_frames"] > 0 and (o not in shown or remote[o]["video_frames"] > 0)
                for o in others
            )

        # Once audio from everyone and video from those shown have come, nothing came from
        # those not shown. (Read before anyone leaves: then the others move up and are shown.)
        remote = client.wait_for("stats", complete, timeout=WAIT * 2)["remote"]
        unseen = {
            r["display_name"]: r["video_frames"] for r in remote if r["participant_id"] not in shown
        }
        assert set(unseen.values()) <= {0}, unseen
    for client in clients:  # all at once: leaving takes each a moment
        client.popen.send_signal(signal.SIGTERM)
    for number, client in enumerate(clients):
        assert client.popen.wait(WAIT) == 0, client.tail()
        stats: dict[str, Any] = json.loads((tmp_path / f"{number}.json").read_text())
        assert {r["participant_id"] for r in stats["remote"]} <= set(ids) - {ids[number]}


class Recorded(ServerBackend):
    """The backend a link's server decides, remembering the SFU plane of each admission."""

    planes: list[SfuPlane]

    def make_plane(
        self, setup: PlaneSetup, events: PlaneEvents, send_signal: SendSignal
    ) -> MediaPlane | None:
        plane = super().make_plane(setup, events, send_signal)
        if isinstance(plane, SfuPlane):
            type(self).planes.append(plane)
        return plane


@dataclass
class Encoded:
    """One frame handed to the camera encoder: the scale it ran at and what came out."""

    scale: float
    packets: int
    keyframe: bool


def watch_encoder(encoder: CameraVp8Encoder) -> list[Encoded]:
    """Record every frame `encoder` is given (it runs in aiortc's encoder threads)."""
    seen: list[Encoded] = []
    encode = encoder.encode

    def recording(frame: Any, force_keyframe: bool = False) -> tuple[list[bytes], int]:
        scale = encoder.watched_scale
        payloads, timestamp = encode(frame, force_keyframe)
        keyframe = False
        if payloads:
            descriptor, data = VpxPayloadDescriptor.parse(payloads[0])
            keyframe = bool(descriptor.partition_start) and not data[0] & 1
        seen.append(Encoded(scale, len(payloads), keyframe))
        return payloads, timestamp

    encoder.encode = recording  # type: ignore[method-assign]
    return seen


def until(
    condition: Callable[[], object], timeout: float = WAIT, state: Callable[[], object] = str
) -> None:
    """Poll `condition` until it is true; fail with `state()` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not in {timeout} s: {state()}"
        time.sleep(0.05)


class Viewer:
    """A session that counts the camera frames it receives, per tile."""

    def __init__(self, engine: EngineThread, link: MeetingLink) -> None:
        self.frames: dict[TileKey, int] = {}
        self.log = EventLog()
        self.session = Session(engine, self.log, video_sink=self._frame)
        self.session.join(link, "Viewer", MediaOptions()).result(timeout=WAIT)

    def _frame(self, key: TileKey, frame: Any) -> None:
        self.frames[key] = self.frames.get(key, 0) + 1

    def received(self, key: TileKey) -> int:
        return self.frames.get(key, 0)


def test_a_camera_nobody_watches_is_not_encoded_until_someone_watches_again(
    sfu_front: EmbeddedServer,
) -> None:
    """LiveKit says which qualities of our camera anyone watches (after its dynacast pause
    delay when nobody does, at once when someone does again): nothing is encoded meanwhile,
    and the first frame after is a keyframe."""
    link = parse_link(f"{sfu_front.base_url}/pub-lish-eds")
    engine = EngineThread("crowd")
    engine.start()
    Recorded.planes = []
    camera = SyntheticSources("Camera", width=320, height=180, fps=15)
    publisher = Session(engine, EventLog(), backend_factory=Recorded)
    try:
        publisher.join(link, "Camera", MediaOptions(video=True, sources=camera)).result(WAIT)
        (plane,) = Recorded.planes
        until(lambda: plane.camera_encoder is not None)
        encoder = plane.camera_encoder
        assert encoder is not None
        encoded = watch_encoder(encoder)
        viewer = Viewer(engine, link)
        joined = viewer.log.wait_for(ev.Joined)
        (camera_id,) = [p.id for p in joined.participants if p.id != joined.self_id]
        key = TileKey.camera(camera_id)
        viewer.session.show_tiles({key: (320, 180)}).result(WAIT)
        until(lambda: viewer.received(key) > 0 and encoder.watched_scale > 0)

        viewer.session.show_tiles({}).result(WAIT)  # the viewer pages away
        until(lambda: encoder.watched_scale == 0.0)
        # (A frame already being encoded when LiveKit said so still goes out.)
        until(lambda: sum(e.scale == 0.0 for e in encoded) >= 5)  # a third of a second
        assert all(e.packets == 0 for e in encoded if e.scale == 0.0)

        received = viewer.received(key)
        viewer.session.show_tiles({key: (320, 180)}).result(WAIT)
        until(lambda: viewer.received(key) > received + 5)
        last_unwatched = max(n for n, e in enumerate(encoded) if e.scale == 0.0)
        back = next(e for e in encoded[last_unwatched:] if e.packets)
        assert back.keyframe and back.scale > 0
        viewer.session.leave().result(WAIT)
    finally:
        publisher.leave().result(WAIT)
        engine.stop()
