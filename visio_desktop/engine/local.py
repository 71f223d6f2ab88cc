"""The local participant's media in a meeting or a pre-join preview: tracks opened from the
media sources, one relay that fans each out (to peers and to the self-view), and the self-view
pumps that feed the video sink and measure the microphone level."""

from __future__ import annotations

from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack

from visio_desktop.engine.events import SELF_ID, VideoSink
from visio_desktop.engine.receive import RemoteTrackPump
from visio_desktop.media.sources import MediaSources

KINDS = ("audio", "video")


class LocalMedia:
    """Runs on the engine loop. `tracks[kind]` is None while that kind is off or missing."""

    def __init__(self, sources: MediaSources, video_sink: VideoSink | None = None) -> None:
        self.relay = MediaRelay()
        self.tracks: dict[str, MediaStreamTrack | None] = dict.fromkeys(KINDS)
        self._sources = sources
        self._video_sink = video_sink
        self._views: dict[str, RemoteTrackPump] = {}

    def is_on(self, kind: str) -> bool:
        return self.tracks[kind] is not None

    async def turn(self, kind: str, on: bool) -> MediaStreamTrack | None:
        """Open (or stop) the `kind` track; returns the track now in use. Stopping releases
        the device, not only the sending."""
        old = self.tracks[kind]
        if on and old is not None:
            return old
        new = self._sources.open(kind) if on else None
        self.tracks[kind] = new
        await self._stop_view(kind)
        if old is not None:
            old.stop()
        if new is not None:
            self._start_view(kind, new)
        return new

    def level(self) -> float:
        """The loudest microphone level since the last call, 0..1."""
        view = self._views.get("audio")
        return view.counter.take_level() if view else 0.0

    def _start_view(self, kind: str, track: MediaStreamTrack) -> None:
        if kind == "video" and self._video_sink is None:
            return
        view = RemoteTrackPump(SELF_ID, self.relay.subscribe(track, buffered=False), _ignore)
        if kind == "video" and self._video_sink is not None:
            sink = self._video_sink
            view.sinks.append(lambda frame: sink(SELF_ID, frame))
        self._views[kind] = view

    async def _stop_view(self, kind: str) -> None:
        view = self._views.pop(kind, None)
        if view is not None:
            view.track.stop()
            await view.stop()

    async def close(self) -> None:
        for kind in KINDS:
            await self.turn(kind, False)


def _ignore(participant_id: str, kind: str) -> None:
    return None
