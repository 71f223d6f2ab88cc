"""The aiohttp application: discovery, health, and the meeting WebSocket."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import WSCloseCode, WSMsgType, web
from aiohttp.typedefs import Handler

from visio_desktop.core import wire
from visio_desktop.core.protocol import (
    FEATURES,
    PROTOCOL_VERSION,
    Discovery,
    LeaveReason,
    ServerShutdown,
)
from visio_desktop.server.connection import Connection
from visio_desktop.server.front_store import FrontStore, MemoryFrontStore
from visio_desktop.server.meet_front import add_meet_api
from visio_desktop.server.meeting_api import CREATE_PATH, create_meeting
from visio_desktop.server.metrics import prometheus_text
from visio_desktop.server.redis_store import RedisFrontStore
from visio_desktop.server.state import ServerConfig, ServerState

log = logging.getLogger(__name__)

STATE_KEY = web.AppKey("state", ServerState)
# aiohttp closes a connection outright above this; frames between the protocol limit and this
# get an error reply instead, so a client learns what it did wrong.
_TRANSPORT_MAX_BYTES = 1024 * 1024
_HEARTBEAT_SECONDS = 5.0


def make_app(config: ServerConfig) -> web.Application:
    app = web.Application(middlewares=[_admit_http])
    state = app[STATE_KEY] = ServerState(config)
    store = _front_store(config, state)
    app.router.add_get("/.well-known/visio", _discovery)
    app.router.add_get("/healthz", _health)
    app.router.add_get("/metrics", _metrics)
    app.router.add_get("/ws", _websocket)
    app.on_shutdown.append(_say_goodbye)
    app.on_cleanup.append(_write_meetings)

    async def make_meeting(request: web.Request) -> web.Response:
        return await create_meeting(request, state, store)

    app.router.add_post(CREATE_PATH, make_meeting)
    if config.livekit is not None:
        add_meet_api(app, config.livekit, config.limits.max_participants, store)
    return app


def _front_store(config: ServerConfig, state: ServerState) -> FrontStore:
    """Where meetings are kept: in Redis for fronts sharing it, else in this process."""
    if config.livekit is not None and config.redis_url is not None:
        store = RedisFrontStore(
            config.redis_url, config.default_access, password=config.redis_password
        )
        log.info("meetings are kept in Redis at %s", store.address)
        return store
    return MemoryFrontStore(state.meetings)


@web.middleware
async def _admit_http(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A plain HTTP request that arrived whole ends the handshake deadline (`server.gate`);
    a WebSocket's ends when it joins, and a meeting's creation once its body is read."""
    if request.path != "/ws" and not (request.method == "POST" and request.path == CREATE_PATH):
        request.app[STATE_KEY].gate.admit(request.transport)
    return await handler(request)


async def _discovery(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    public = state.config.public_url
    if public:
        base = public.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
    else:
        base = f"{'wss' if request.secure else 'ws'}://{request.host}"
    document = Discovery(
        protocol=PROTOCOL_VERSION,
        websocket=f"{base.rstrip('/')}/ws",
        ice_servers=state.ice_servers,
        media_planes=(state.media_plane,),
        features=FEATURES,
        max_participants=state.limits.max_participants,
        server=state.server_name,
    )
    return web.Response(text=wire.encode_object(document), content_type="application/json")


async def _health(request: web.Request) -> web.Response:
    """200 while the server takes new joins; 503 with the reason while it sheds load."""
    state = request.app[STATE_KEY]
    busy = state.overload()
    body: dict[str, object] = {
        "status": "busy" if busy else "ok",
        "rooms": len(state.rooms),
        "participants": state.rooms.participant_count,
        "connections": len(state.connections),
    }
    if busy:
        body["reason"] = busy
    return web.json_response(body, status=503 if busy else 200)


async def _metrics(request: web.Request) -> web.Response:
    return web.Response(text=prometheus_text(request.app[STATE_KEY]), content_type="text/plain")


async def _websocket(request: web.Request) -> web.WebSocketResponse:
    state = request.app[STATE_KEY]
    ws = web.WebSocketResponse(heartbeat=_HEARTBEAT_SECONDS, max_msg_size=_TRANSPORT_MAX_BYTES)
    await ws.prepare(request)
    connection = Connection(ws, state, request.transport)
    connection.start()
    state.connections[connection.participant_id] = connection
    try:
        async for frame in ws:
            if connection.closing:
                # Closing (a goodbye, or abuse): what the client still sends is dropped, but
                # the handler reads on. aiohttp's close() ends at once while a receive() is
                # waiting; with nobody reading, it waits up to 10 s for the client's answer,
                # and a client that never gives one holds the server's shutdown that long.
                continue
            if frame.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                connection.on_frame(frame.data)
            elif frame.type == WSMsgType.ERROR:
                log.info("connection %s: %s", connection.participant_id, ws.exception())
                break
    except asyncio.CancelledError:
        raise
    except Exception:  # a bug of ours must cost one connection, never the server
        log.exception("connection %s failed", connection.participant_id)
    finally:
        reason = LeaveReason.REMOVED if connection.closing else LeaveReason.DISCONNECTED
        connection.leave_room(reason)
        del state.connections[connection.participant_id]
        connection.close(ws.close_code or WSCloseCode.OK)
        await connection.drain()
    return ws


async def _write_meetings(app: web.Application) -> None:
    await asyncio.to_thread(app[STATE_KEY].meetings.flush)


async def _say_goodbye(app: web.Application) -> None:
    state = app[STATE_KEY]
    for connection in list(state.connections.values()):
        connection.send(ServerShutdown(reason="the meeting server is shutting down"))
        connection.close(WSCloseCode.GOING_AWAY)
    await asyncio.gather(*(c.drain() for c in list(state.connections.values())))
