"""The pre-join preview: the camera shown in the preview tile and the microphone level, before
joining. It holds the devices only while it runs; joining stops it first."""

from __future__ import annotations

import asyncio

from visio_desktop.core.kinds import PREVIEW_TILE, MediaKind
from visio_desktop.core.tasks import cancel_and_wait
from visio_desktop.engine import events as ev
from visio_desktop.engine.local import LocalMedia
from visio_desktop.media.sources import MediaSources

_LEVEL_SECONDS = 0.1


class Preview:
    """Runs on the engine loop."""

    def __init__(self, sources: MediaSources, listener: ev.Listener, sink: ev.VideoSink) -> None:
        self.sources = sources
        self._local = LocalMedia(sources, sink, own_tile=PREVIEW_TILE)
        self._listener = listener
        self._levels: asyncio.Task[None] | None = None

    async def set(self, kind: MediaKind, on: bool) -> bool:
        """Turn the camera or microphone preview on or off; False when there is no device."""
        track = await self._local.turn(kind, on)
        if kind is MediaKind.AUDIO and track is not None and self._levels is None:
            self._levels = asyncio.get_running_loop().create_task(
                self._report_levels(), name="preview-levels"
            )
        return track is not None or not on

    async def _report_levels(self) -> None:
        while True:
            await asyncio.sleep(_LEVEL_SECONDS)  # a periodic report, not a wait for an event
            if self._local.is_on(MediaKind.AUDIO):
                level = round(self._local.level(), 3)
                self._listener(ev.AudioLevels(((PREVIEW_TILE, level),)))

    async def close(self) -> None:
        if self._levels is not None:
            await cancel_and_wait(self._levels)
        await self._local.close()
