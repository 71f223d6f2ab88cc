"""Sharing our screen in a meeting: the capture goes into the screen slot of every peer
connection (negotiated up front, so nothing is renegotiated), and the others learn it from
our participant state. A capture that fails or loses its window stops the sharing and says
why, instead of sending black frames."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiortc.mediastreams import MediaStreamTrack

from visio_desktop.engine import events as ev
from visio_desktop.engine.local import LocalMedia
from visio_desktop.media.status import DeviceStatus, StatusCallback

log = logging.getLogger(__name__)

ScreenSource = Callable[[StatusCallback], MediaStreamTrack]
"""Starts capturing the chosen screen or window; problems arrive through the callback (from
the capture thread)."""


class ScreenShare:
    """Runs on the engine loop."""

    def __init__(
        self,
        local: LocalMedia,
        emit: ev.Listener,
        announce: Callable[[], Awaitable[None]],
    ) -> None:
        self._local = local
        self._emit = emit
        self._announce = announce  # sends our participant state (screen on or off)
        self._track: MediaStreamTrack | None = None

    @property
    def sharing(self) -> bool:
        return self._track is not None

    async def start(self, source: ScreenSource) -> None:
        """Share what `source` captures, instead of what was shared before (if anything)."""
        loop = asyncio.get_running_loop()
        holder: list[MediaStreamTrack] = []

        def on_status(status: DeviceStatus) -> None:  # the capture thread
            if status.state.is_problem:
                loop.call_soon_threadsafe(self._failed, holder, status)

        track = source(on_status)
        holder.append(track)
        self._track = track
        self._local.share(track)
        self._emit(ev.ScreenShareChanged(True))
        await self._announce()

    async def stop(self, detail: str = "") -> None:
        if self._track is None:
            return
        self._track = None
        self._local.share(None)  # stops the capture
        self._emit(ev.ScreenShareChanged(False, detail))
        await self._announce()

    def _failed(self, holder: list[MediaStreamTrack], status: DeviceStatus) -> None:
        if not holder or holder[0] is not self._track:
            return  # an earlier capture, already replaced
        log.info("screen sharing stopped: %s", status.message or status.state.value)
        detail = status.message or status.state.value
        asyncio.get_running_loop().create_task(self.stop(detail), name="screen-share-stop")
