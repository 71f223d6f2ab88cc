"""The local participant's media in a meeting or a pre-join preview.

Each slot (audio, video, screen) has one outgoing track for the whole meeting, a
SwitchableTrack whose source is the device track of the moment: turning the camera off and on,
changing device or starting to share only swaps the source (aiortc's senders stop for good when
their track ends). One relay fans each outgoing track out to the peers, the self-view and the
captions tap; the self-view pumps feed the video sink and measure the microphone level. A
shared screen has no self-view: the sharer sees the screen itself."""

from __future__ import annotations

from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack

from visio_desktop.core.kinds import DEVICE_KINDS, SELF_TILE, SLOTS, MediaKind, Slot, TileKey
from visio_desktop.engine.events import VideoSink
from visio_desktop.engine.receive import RemoteTrackPump
from visio_desktop.media.sources import MediaSources
from visio_desktop.media.switch import SwitchableTrack


class LocalMedia:
    """Runs on the engine loop."""

    def __init__(
        self,
        sources: MediaSources,
        video_sink: VideoSink | None = None,
        own_tile: TileKey = SELF_TILE,
    ) -> None:
        self.own_tile = own_tile  # where the self-view goes: the call's or the pre-join's
        self.relay = MediaRelay()
        self.outgoing = {slot: SwitchableTrack(slot.media_kind.value) for slot in SLOTS}
        self._sources = sources
        self._video_sink = video_sink
        self._views: dict[MediaKind, RemoteTrackPump] = {}

    def is_on(self, kind: MediaKind) -> bool:
        return self.outgoing[Slot.of(kind)].source is not None

    async def turn(self, kind: MediaKind, on: bool) -> MediaStreamTrack | None:
        """Open (or stop) the `kind` device; returns the device track now in use. Stopping
        releases the device, not only the sending."""
        outgoing = self.outgoing[Slot.of(kind)]
        current = outgoing.source
        if on and current is not None:
            return current
        new = self._sources.open(kind) if on else None
        old = outgoing.replace(new)
        if old is not None:
            old.stop()
        if new is not None and kind not in self._views:
            self._start_view(kind)
        return new

    async def use_sources(
        self, sources: MediaSources, kinds: tuple[MediaKind, ...] = DEVICE_KINDS
    ) -> None:
        """Other devices, mid-call: each of `kinds` that is on moves to the new device at
        once (the others keep their device, with no gap)."""
        self._sources = sources
        for kind in kinds:
            if self.is_on(kind):
                new = sources.open(kind)
                old = self.outgoing[Slot.of(kind)].replace(new)
                if old is not None:
                    old.stop()

    def share(self, track: MediaStreamTrack | None) -> None:
        """Send `track` in the screen slot (None: stop sharing); the old capture stops."""
        old = self.outgoing[Slot.SCREEN].replace(track)
        if old is not None and old is not track:
            old.stop()

    def level(self) -> float:
        """The loudest microphone level since the last call, 0..1."""
        view = self._views.get(MediaKind.AUDIO)
        return view.counter.take_level() if view else 0.0

    def _start_view(self, kind: MediaKind) -> None:
        if kind is MediaKind.VIDEO and self._video_sink is None:
            return
        track = self.relay.subscribe(self.outgoing[Slot.of(kind)], buffered=False)
        view = RemoteTrackPump(str(self.own_tile), track, _ignore, read_stamps=False)
        if kind is MediaKind.VIDEO and self._video_sink is not None:
            sink, key = self._video_sink, self.own_tile
            view.sinks.append(lambda frame: sink(key, frame))
        self._views[kind] = view.start()

    async def close(self) -> None:
        for view in list(self._views.values()):
            view.track.stop()
            await view.stop()
        self._views.clear()
        for track in self.outgoing.values():
            track.stop()  # stops the device track too


def _ignore(participant_id: str, slot: Slot) -> None:
    return None
