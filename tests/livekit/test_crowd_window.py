"""The real window (offscreen) in crowded meetings on our server fronting a real livekit-server:
nine people all live on one page, and a twenty-person meeting whose second page moves the video
subscriptions, as LiveKit itself reports them to the publishers.

LiveKit keeps no list of who is subscribed to what that its room service would show; what it
tells each publisher is which qualities of its video anyone watches (`subscribed_quality_update`,
dynacast): a quality on as soon as someone subscribes, all off once nobody has for its pause
delay (5 s by default, kept here as in production)."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from aiortc.mediastreams import MediaStreamTrack
from livekit.protocol import models as lm
from livekit.protocol import rtc as lr
from pytestqt.qtbot import QtBot

from tests.gui.conftest import bot_engine, desktop  # noqa: F401 - the window's fixtures
from tests.gui.meeting import start_bots, wait_until_tiles_move
from tests.gui.test_populated_room import join_from_prejoin
from visio_desktop.core.kinds import SELF_TILE, TileKey
from visio_desktop.core.links import parse_link
from visio_desktop.desktop import Desktop
from visio_desktop.engine.call_changes import Phase
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.synthetic import SyntheticVideoTrack
from visio_desktop.rtc.livekit.connection import LiveKitConnection, SignallingState
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.ui.layout import PAGE_SIZE

WAIT_MS = 60_000


def test_nine_people_on_the_sfu_are_nine_live_tiles(
    qtbot: QtBot,
    desktop: Desktop,  # noqa: F811
    sfu_front: EmbeddedServer,
    bot_engine: EngineThread,  # noqa: F811
) -> None:
    link = parse_link(f"{sfu_front.base_url}/nin-epeo-ple")
    bots = start_bots(bot_engine, link, 8)
    window = desktop.window
    window.open_link(link)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.prejoin, timeout=WAIT_MS)
    window.prejoin.camera_toggle.setChecked(True)
    join_from_prejoin(qtbot, window)
    grid = window.call.grid
    names = sorted(bot.name for bot in bots)
    qtbot.waitUntil(
        lambda: sorted(t.name for t in grid.tiles() if t.key != SELF_TILE) == names,
        timeout=WAIT_MS,
    )
    tiles = grid.tiles()
    assert len(tiles) == 9 and all(tile.isVisible() for tile in tiles)
    wait_until_tiles_move(qtbot, tiles, WAIT_MS)  # the eight others and our own
    for bot in bots:
        bot.session.leave().result(timeout=30)


@dataclass
class Publisher:
    """A cheap participant: one small video published on a bare LiveKit connection, and what
    LiveKit last said of anyone watching it."""

    name: str
    connection: LiveKitConnection = field(init=False)
    sid: str = ""
    watched: bool | None = None  # None: LiveKit has not said yet
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.connection = LiveKitConnection(self)

    @property
    def identity(self) -> str:
        assert self.connection.join is not None
        return self.connection.join.participant.identity

    def participants_updated(self, participants: list[lm.ParticipantInfo]) -> None:
        pass

    def track_arrived(self, track_sid: str, track: MediaStreamTrack) -> None:
        pass

    def data_received(self, packet: lm.DataPacket) -> None:
        pass

    def signal_message(self, response: lr.SignalResponse) -> None:
        if response.WhichOneof("message") != "subscribed_quality_update":
            return
        update = response.subscribed_quality_update
        if update.track_sid == self.sid:
            with self.lock:
                self.watched = any(q.enabled for q in update.subscribed_qualities)

    def signalling_changed(self, state: SignallingState) -> None:
        pass

    def is_watched(self) -> bool | None:
        with self.lock:
            return self.watched


def grant(server: EmbeddedServer, room: str, name: str) -> dict[str, str]:
    """A LiveKit grant from our server's La Suite Meet API, as any client gets one."""
    query = urllib.parse.urlencode({"username": name})
    with urllib.request.urlopen(f"{server.base_url}/api/v1.0/rooms/{room}/?{query}") as answer:
        return dict(json.loads(answer.read())["livekit"])


async def _publish(publisher: Publisher, livekit: dict[str, str]) -> None:
    await publisher.connection.connect(livekit["url"], livekit["token"])
    track = SyntheticVideoTrack(publisher.name, 160, 90, 5)
    publisher.sid = await publisher.connection.publish(
        "camera", track, lm.TrackSource.CAMERA, width=160, height=90
    )


@pytest.fixture
def publishers(sfu_front: EmbeddedServer) -> Iterator[list[Publisher]]:
    """Nineteen people publishing a 160x90 camera at 5 fps, on an engine of their own."""
    engine = EngineThread("publishers")
    engine.start()
    room = "twe-ntyp-ple"
    crowd = [Publisher(f"Person {number:02d}") for number in range(1, 20)]

    async def publish_all() -> None:
        grants = [grant(sfu_front, room, p.name) for p in crowd]  # quick local requests
        for publisher, livekit in zip(crowd, grants, strict=True):
            await _publish(publisher, livekit)

    try:
        engine.submit(publish_all()).result(timeout=60)
        yield crowd
    finally:

        async def close_all() -> None:
            await asyncio.gather(*(p.connection.close() for p in crowd))

        engine.submit(close_all()).result(timeout=30)
        engine.stop()


def test_the_second_page_of_twenty_moves_the_subscriptions_as_livekit_sees_them(
    qtbot: QtBot,
    desktop: Desktop,  # noqa: F811
    sfu_front: EmbeddedServer,
    publishers: list[Publisher],
) -> None:
    window = desktop.window
    window.show()
    window.join_now(parse_link(f"{sfu_front.base_url}/twe-ntyp-ple"), "Tester", False, False)
    qtbot.waitUntil(lambda: window.state.phase is Phase.IN_CALL, timeout=WAIT_MS)
    call = window.call
    by_id = {p.identity: p for p in publishers}

    def shown() -> set[str]:
        return {key.participant_id for key in call.visible.reported}

    qtbot.waitUntil(lambda: len(shown()) == PAGE_SIZE - 1, timeout=WAIT_MS)  # ours is first
    first = shown()
    assert first <= set(by_id)

    def watched(ids: set[str], value: bool) -> bool:
        return all(by_id[i].is_watched() is value for i in ids)

    qtbot.waitUntil(lambda: watched(first, True), timeout=WAIT_MS)
    assert not any(by_id[i].is_watched() for i in set(by_id) - first)  # never subscribed
    call.pager.next.click()
    qtbot.waitUntil(lambda: len(shown()) == 19 - len(first), timeout=WAIT_MS)
    second = shown()
    assert second == set(by_id) - first
    qtbot.waitUntil(lambda: watched(second, True) and watched(first, False), timeout=WAIT_MS)
    assert {TileKey.camera(i) for i in second} == set(call.visible.reported)
