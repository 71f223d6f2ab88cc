"""LiveKit's webhooks to our front: how a removed participant stays out.

LiveKit checks a token only against its own signature and expiry, so a participant a host
removed could rejoin on the token they still hold (for up to `LiveKitFront.token_ttl`). Our
front never sees that join; LiveKit's webhook does tell it (configure livekit-server with
``webhook: {api_key: <our key>, urls: [https://<front>/livekit/webhook]}``). On
``participant_joined`` of an identity on the meeting's ban list (`server.front_store`,
shared by every front), the front
removes it again at once. New tokens and lobby entries are refused to banned identities
besides, so a fresh token cannot be had for one.

The request is verified as LiveKit signs it (a JWT in ``Authorization`` made with our API
key, holding the body's SHA-256): anything else gets 401 and changes nothing.
"""

from __future__ import annotations

import logging

from aiohttp import web
from livekit import api

from visio_desktop.server.livekit_rooms import RoomServiceError
from visio_desktop.server.meet_common import FRONT_KEY

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/livekit/webhook"
_BODY_MAX_BYTES = 64 * 1024


def add_webhook(app: web.Application) -> None:
    app.router.add_post(WEBHOOK_PATH, _webhook)


async def _webhook(request: web.Request) -> web.Response:
    front = request.app[FRONT_KEY]
    if (request.content_length or 0) > _BODY_MAX_BYTES:
        return web.Response(status=413)
    body = (await request.content.read(_BODY_MAX_BYTES + 1)).decode("utf-8", "replace")
    keys = front.rooms.front.keys
    receiver = api.WebhookReceiver(api.TokenVerifier(keys.api_key, keys.api_secret))
    try:
        event = receiver.receive(body, request.headers.get("Authorization", ""))
    except Exception:  # a bad signature, hash or body: livekit-api raises several kinds
        return web.Response(status=401)
    if event.event == "participant_joined":
        room, identity = event.room.name, event.participant.identity
        if await front.store.is_banned(room, identity):
            log.info("a removed participant rejoined %s on an old token: removing it again", room)
            try:
                await front.rooms.remove_participant(room, identity)
            except RoomServiceError as exc:
                log.info("could not remove it again: %s", exc)
    return web.Response(status=200)
