"""Our client joining a La Suite Meet server: no `/.well-known/visio`, but its REST API
(`/api/v1.0/config/`, `/api/v1.0/rooms/<slug>/`, `toggle-hand/`) in front of a real
livekit-server. The server here is a stand-in shaped like La Suite Meet's backend
(suitenumerique/meet, src/backend/core/api): anonymous participants of a public room get a
token that cannot write their own attributes, and the server writes `handRaisedAt` itself."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aiohttp import web
from livekit import api

from tests.engine.conftest import QUICK_RECONNECT, WAIT, EventLog, frame_from
from tests.livekit.rig import LiveKitNode
from tests.server.test_meet_api import meet_config
from visio_desktop.core.kinds import Slot, TileKey
from visio_desktop.core.links import parse_link
from visio_desktop.core.meet import hand_attribute
from visio_desktop.engine import events as ev
from visio_desktop.engine.backends import ServerBackend
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.sfu_backend import LiveKitBackend
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources

SLUG = "sui-teme-eet"
ROOM_ID = str(uuid.uuid4())  # La Suite Meet names the LiveKit room after the room's id


def meet_app(livekit: LiveKitNode) -> web.Application:
    async def config(request: web.Request) -> web.Response:
        return web.json_response(meet_config(livekit.http_url))

    async def room(request: web.Request) -> web.Response:
        grants = api.VideoGrants(
            room=ROOM_ID,
            room_join=True,
            can_publish=True,
            can_subscribe=True,
            can_publish_data=True,
            can_update_own_metadata=False,  # as La Suite Meet's tokens since 2026-04
        )
        token = (
            api.AccessToken(livekit.api_key, livekit.api_secret)
            .with_identity(str(uuid.uuid4()))
            .with_name(request.query.get("username", "Anonymous"))
            .with_grants(grants)
            .to_jwt()
        )
        return web.json_response(
            {
                "id": ROOM_ID,
                "name": SLUG,
                "slug": SLUG,
                "access_level": "public",
                "livekit": {"url": livekit.http_url, "room": ROOM_ID, "token": token},
            }
        )

    async def toggle_hand(request: web.Request) -> web.Response:
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        claims = api.TokenVerifier(livekit.api_key, livekit.api_secret).verify(bearer)
        raised = bool((await request.json()).get("raised"))
        async with api.LiveKitAPI(livekit.http_url, livekit.api_key, livekit.api_secret) as lk:
            await lk.room.update_participant(
                api.UpdateParticipantRequest(
                    room=ROOM_ID,
                    identity=claims.identity,
                    attributes={"handRaisedAt": hand_attribute(raised, datetime.now(UTC))},
                )
            )
        return web.json_response({"status": "success"})

    app = web.Application()
    app.router.add_get("/api/v1.0/config/", config)
    app.router.add_get(f"/api/v1.0/rooms/{SLUG}/", room)
    app.router.add_post(f"/api/v1.0/rooms/{ROOM_ID}/toggle-hand/", toggle_hand)
    return app


@pytest.fixture
def meet_url(livekit: LiveKitNode) -> Iterator[str]:
    """The stand-in La Suite Meet, served on 127.0.0.1 from a thread of its own."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(meet_app(livekit))
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/{SLUG}"
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(WAIT)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(WAIT)


def test_our_client_joins_a_la_suite_meet_room_and_raises_its_hand(
    meet_url: str, engine: EngineThread
) -> None:
    link = parse_link(meet_url)
    people: list[tuple[Session, EventLog, str]] = []
    try:
        for name in ("Alice", "Bob"):
            log = EventLog()
            session = Session(engine, log, reconnect=QUICK_RECONNECT)
            sources = SyntheticSources(name, width=320, height=180, fps=15)
            session.join(link, name, MediaOptions(True, True, sources)).result(timeout=WAIT)
            people.append((session, log, log.wait_for(ev.Joined).self_id))
        (alice, alice_log, alice_id), (bob, bob_log, bob_id) = people
        meeting = bob._meeting
        assert meeting is not None and isinstance(meeting.backend, ServerBackend)
        assert isinstance(meeting.backend.chosen, LiveKitBackend)  # no well-known: LiveKit
        bob.show_tiles({TileKey.camera(alice_id): (320, 180)}).result(timeout=WAIT)
        bob_log.wait_for(ev.FirstRemoteFrame, frame_from(alice_id, Slot.CAMERA))
        bob_log.wait_for(ev.FirstRemoteFrame, frame_from(alice_id, Slot.AUDIO))

        bob.raise_hand(True).result(timeout=WAIT)  # through the server's toggle-hand
        raised = alice_log.wait_for(ev.ParticipantUpdated, lambda e: e.participant.hand_raised)
        assert raised.participant.id == bob_id
        alice.send_chat("Bonjour").result(timeout=WAIT)
        chat = bob_log.wait_for(ev.ChatReceived, lambda e: e.sender == alice_id)
        assert (chat.sender_name, chat.text) == ("Alice", "Bonjour")
    finally:
        for session, _, _ in people:
            session.leave().result(timeout=WAIT)
