"""A track whose source can be swapped: how to change devices mid-call without aiortc races.

aiortc's RTCRtpSender reads its track in a loop that ends for good the first time `recv()`
raises MediaStreamError, and `replaceTrack` does not interrupt a `recv()` already pending on
the old track. Behind a MediaRelay the old proxy either never wakes (stopped proxy) or wakes
with the end-of-track marker (stopped source), so the new track is never read: measured here,
0 frames after the switch either way. A `SwitchableTrack` stays the sender's (and the relay's)
track for the whole call; `replace(new)` interrupts the pending read of the old source and goes
on with the new one, rewriting timestamps so that they keep increasing. The caller stops the
old source (which releases its device). `replace(None)` pauses the track (camera off).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame
from av.frame import Frame
from av.packet import Packet

from visio_desktop.core.tasks import cancel_and_wait

VIDEO_STEP = 3000  # 1/30 s at 90 kHz: the gap left between two sources' frames


class SwitchableTrack(MediaStreamTrack):
    """Relays frames from a replaceable source track of the same kind."""

    def __init__(self, kind: str, source: MediaStreamTrack | None = None) -> None:
        super().__init__()
        self.kind = kind
        self._source = source
        self._changed = asyncio.Event()
        self._offset = 0
        self._realign = True  # the next frame starts a new source
        self._last_pts: int | None = None

    @property
    def source(self) -> MediaStreamTrack | None:
        return self._source

    def replace(self, source: MediaStreamTrack | None) -> MediaStreamTrack | None:
        """Read `source` from now on (None: pause); returns the old source, for the caller
        to stop. Call on the engine loop."""
        if source is not None and source.kind != self.kind:
            raise ValueError(f"a {source.kind} track cannot replace a {self.kind} track")
        old, self._source = self._source, source
        self._realign = True
        self._changed.set()
        return old

    async def recv(self) -> Frame | Packet[Any]:
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            source = self._source
            self._changed.clear()
            if source is None:
                await self._changed.wait()
                continue
            reading = asyncio.ensure_future(source.recv())
            changing = asyncio.ensure_future(self._changed.wait())
            try:
                await asyncio.wait({reading, changing}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                changing.cancel()
            if not reading.done():
                with contextlib.suppress(MediaStreamError):
                    await cancel_and_wait(reading)
                continue
            try:
                frame = reading.result()
            except MediaStreamError:
                if self._source is source:  # the source ended: wait for another
                    self._source = None
                continue
            if self._source is not source:  # swapped while the frame arrived: drop it
                continue
            return self._retime(frame)

    def _retime(self, frame: Frame | Packet[Any]) -> Frame | Packet[Any]:
        pts = frame.pts or 0
        if self._realign:
            step = frame.samples if isinstance(frame, AudioFrame) else VIDEO_STEP
            start = 0 if self._last_pts is None else self._last_pts + step
            self._offset = start - pts
            self._realign = False
        new = pts + self._offset
        if self._last_pts is not None and new <= self._last_pts:
            self._offset += self._last_pts + 1 - new
            new = self._last_pts + 1
        frame.pts = self._last_pts = new
        return frame

    def stop(self) -> None:
        """Stop this track and its current source."""
        if self.readyState == "live":
            super().stop()
            source, self._source = self._source, None
            self._changed.set()
            if source is not None:
                source.stop()
