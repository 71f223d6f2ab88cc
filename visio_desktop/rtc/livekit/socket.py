"""LiveKit's signalling channel: protobuf `SignalRequest` / `SignalResponse` frames over a
WebSocket at ``/rtc?access_token=…&protocol=…``. A frame that is not a valid message is logged
and skipped (`rtc.livekit.events.parse`); losing the socket is ConnectionLostError, failing to
open it ServerUnreachableError. `heard_at` is when anything last arrived, for the keepalive."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from livekit.protocol import rtc as lr
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from visio_desktop.core.errors import ConnectionLostError, ServerUnreachableError
from visio_desktop.rtc.livekit.events import parse

CONNECT_TIMEOUT = 10.0
_MAX_SIGNAL_BYTES = 1024 * 1024


class SignalSocket:
    def __init__(self) -> None:
        self._ws: ClientConnection | None = None
        self.heard_at = 0.0  # the loop's time of the last frame from LiveKit

    @property
    def is_open(self) -> bool:
        return self._ws is not None

    async def open(self, url: str, query: dict[str, Any]) -> None:
        try:
            self._ws = await connect(
                f"{url.rstrip('/')}/rtc?{urlencode(query)}",
                open_timeout=CONNECT_TIMEOUT,
                max_size=_MAX_SIGNAL_BYTES,
                ping_interval=None,  # LiveKit's own ping_req / pong_resp keep the line alive
                proxy=None,
            )
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            raise ServerUnreachableError(f"could not reach the media server: {exc}") from None
        self.heard_at = asyncio.get_running_loop().time()

    async def receive(self) -> lr.SignalResponse:
        if self._ws is None:
            raise ConnectionLostError("not connected to the media server")
        while True:
            try:
                frame = await self._ws.recv()
            except ConnectionClosed:
                raise ConnectionLostError("the connection to the media server was lost") from None
            self.heard_at = asyncio.get_running_loop().time()
            response = parse(lr.SignalResponse, frame, "signalling frame")
            if response is not None:
                return response

    async def send(self, request: lr.SignalRequest) -> None:
        if self._ws is None:
            raise ConnectionLostError("not connected to the media server")
        try:
            await self._ws.send(request.SerializeToString())
        except ConnectionClosed:
            raise ConnectionLostError("the connection to the media server was lost") from None

    def abort(self) -> None:
        """Drop the connection without a word, as a lost network does."""
        if self._ws is not None:
            self._ws.transport.abort()

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
