"""The Session facade: what any front end (Qt window, headless CLI) calls, from any thread.

Each call hands a coroutine to the engine thread and returns a concurrent Future at once;
events come back through the listener, on the engine thread. Each join gets a number, and
every event of that meeting carries it (`Event.meeting`), so that a front end never mistakes
a late event of a meeting it left for one of the meeting it is joining.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import dataclasses
import itertools
import logging
import threading
import uuid
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from visio_desktop.core.errors import ServerRejectedError, VisioError
from visio_desktop.core.kinds import DEVICE_KINDS, MediaKind, TileKey
from visio_desktop.core.links import MeetingLink
from visio_desktop.core.policy import Policy
from visio_desktop.core.protocol import Caption, Chat, LeaveReason, Reaction
from visio_desktop.core.roles import Access, Moderation, RoomState
from visio_desktop.core.secrets import MemorySecrets, SecretStore, host_secret_key
from visio_desktop.engine import events as ev
from visio_desktop.engine.backends import ServerBackend
from visio_desktop.engine.captions import CaptionsOptions
from visio_desktop.engine.hosting import FINAL_REFUSALS
from visio_desktop.engine.meeting import Meeting
from visio_desktop.engine.options import MediaOptions, ReconnectPolicy
from visio_desktop.engine.preview import Preview
from visio_desktop.engine.screen_share import ScreenSource
from visio_desktop.engine.stats import RemoteStats
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import MediaSources
from visio_desktop.rtc.plane import PlaneFactory, TileSizes
from visio_desktop.signaling.base import MeetingBackend
from visio_desktop.signaling.create import create_meeting

log = logging.getLogger(__name__)

_T = TypeVar("_T")
BackendFactory = Callable[[MeetingLink], MeetingBackend]


class NotInMeetingError(VisioError):
    def __init__(self) -> None:
        super().__init__("not in a meeting")


class Session:
    def __init__(
        self,
        engine: EngineThread,
        listener: ev.Listener,
        backend_factory: BackendFactory = ServerBackend,
        reconnect: ReconnectPolicy | None = None,
        *,
        video_sink: ev.VideoSink | None = None,
        audio_out: ev.AudioSink | None = None,
        plane_factory: PlaneFactory | None = None,
        secrets: SecretStore | None = None,
    ) -> None:
        self.secrets: SecretStore = secrets or MemorySecrets()
        self._reconnect = reconnect
        self._video_sink = video_sink
        self._audio_out = audio_out
        self._plane_factory = plane_factory
        self._preview: Preview | None = None
        self._engine = engine
        self._listener = listener
        self._backend_factory = backend_factory
        self._meeting: Meeting | None = None
        self._numbers = itertools.count(1)
        self._numbers_lock = threading.Lock()

    @property
    def in_meeting(self) -> bool:
        return self._meeting is not None

    def join(
        self, link: MeetingLink, display_name: str, media: MediaOptions | None = None
    ) -> concurrent.futures.Future[None]:
        return self.join_numbered(link, display_name, media)[1]

    def join_numbered(
        self, link: MeetingLink, display_name: str, media: MediaOptions | None = None
    ) -> tuple[int, concurrent.futures.Future[None]]:
        """Join, and say at once which number this meeting's events will carry."""
        with self._numbers_lock:
            number = next(self._numbers)
        coro = self._join(number, link, display_name, media or MediaOptions())
        return number, self._engine.submit(coro)

    async def _join(
        self, number: int, link: MeetingLink, display_name: str, media: MediaOptions
    ) -> None:
        await self._stop_preview()  # the meeting opens the devices itself
        if self._meeting is not None:
            await self._meeting.close()

        def emit(event: ev.Event) -> None:
            self._emit(dataclasses.replace(event, meeting=number), meeting)

        meeting = Meeting(
            self._backend_factory(link),
            link,
            emit,
            media,
            reconnect=self._reconnect,
            video_sink=self._video_sink,
            audio_out=self._audio_out,
            plane_factory=self._plane_factory,
            secrets=self.secrets,
        )
        self._meeting = meeting
        try:
            await meeting.start(display_name)
        except VisioError as exc:
            if self._meeting is meeting:
                self._meeting = None
            await meeting.close(notify_server=False)
            if isinstance(exc, ServerRejectedError) and exc.code in FINAL_REFUSALS:
                emit(ev.SentAway(exc.code, exc.message))
            emit(ev.ConnectionStateChanged(ev.ConnectionState.DISCONNECTED, exc.message))
            emit(ev.ErrorOccurred(exc.message, fatal=True))
            raise

    def preview(
        self, sources: MediaSources, kind: MediaKind, on: bool
    ) -> concurrent.futures.Future[bool]:
        """Before joining: show the camera in the self-view or measure the microphone (`on`),
        or release it. False when there is no such device."""
        return self._engine.submit(self._set_preview(sources, kind, on))

    async def _set_preview(self, sources: MediaSources, kind: MediaKind, on: bool) -> bool:
        if self._preview is not None and self._preview.sources is not sources:
            await self._stop_preview()  # another device was picked
        if self._preview is None:
            if not on:
                return True
            sink = self._video_sink or _discard
            self._preview = Preview(sources, lambda event: self._emit(event, None), sink)
        return await self._preview.set(kind, on)

    def stop_preview(self) -> concurrent.futures.Future[None]:
        return self._engine.submit(self._stop_preview())

    async def _stop_preview(self) -> None:
        preview, self._preview = self._preview, None
        if preview is not None:
            await preview.close()

    def leave(self) -> concurrent.futures.Future[None]:
        return self._engine.submit(self._leave())

    async def _leave(self) -> None:
        meeting, self._meeting = self._meeting, None
        if meeting is not None:
            await meeting.close()

    def set_media(self, kind: MediaKind, on: bool) -> concurrent.futures.Future[bool]:
        """Turn the microphone or the camera on or off; False when there is no device."""
        return self._call(lambda m: m.set_media(kind, on))

    def set_audio(self, on: bool) -> concurrent.futures.Future[bool]:
        return self.set_media(MediaKind.AUDIO, on)

    def set_video(self, on: bool) -> concurrent.futures.Future[bool]:
        return self.set_media(MediaKind.VIDEO, on)

    def use_sources(
        self, sources: MediaSources, kinds: tuple[MediaKind, ...] = DEVICE_KINDS
    ) -> concurrent.futures.Future[None]:
        """Other camera or microphone, mid-call: those of `kinds` that are on switch at once."""
        return self._call(lambda m: m.use_sources(sources, kinds))

    def share_screen(self, source: ScreenSource | None) -> concurrent.futures.Future[None]:
        """Share what `source` captures, or stop sharing (None); ScreenShareChanged follows."""
        return self._call(lambda m: m.share_screen(source))

    def show_tiles(self, tiles: TileSizes) -> concurrent.futures.Future[None]:
        """The remote video tiles the front end shows now, at their size in device pixels: on
        an SFU only these are received (see MediaPlane.show)."""
        shown = dict(tiles)
        return self._call(lambda m: m.show_tiles(shown))

    def raise_hand(self, raised: bool = True) -> concurrent.futures.Future[None]:
        return self._call(lambda m: m.set_hand(raised))

    def send_chat(self, text: str) -> concurrent.futures.Future[None]:
        return self._call(lambda m: m.backend.send(Chat(text=text)))

    def send_reaction(self, emoji: str) -> concurrent.futures.Future[None]:
        return self._call(lambda m: m.backend.send(Reaction(emoji=emoji)))

    def send_caption(
        self,
        text: str,
        *,
        final: bool,
        language: str = "",
        start: float = 0.0,
        end: float = 0.0,
        segment_id: str | None = None,
    ) -> concurrent.futures.Future[str]:
        caption = Caption(
            segment_id=segment_id or uuid.uuid4().hex[:16],
            text=text,
            final=final,
            language=language,
            start=start,
            end=end,
        )

        async def send(meeting: Meeting) -> str:  # caption text made elsewhere (a script)
            await meeting.backend.send(caption)
            return caption.segment_id

        return self._call(send)

    def set_captions(
        self, on: bool, options: CaptionsOptions | None = None
    ) -> concurrent.futures.Future[None]:
        """Caption our own voice (on this machine) or stop; CaptionsStateChanged tells how it
        went. Others' captions arrive either way."""
        return self._call(lambda m: m.captions.set(on, options or CaptionsOptions()))

    # -- hosts (the server refuses these from anyone else) ------------------------------------

    def create_meeting(
        self, server: str, access: Access | None = None, *, policy: Policy | None = None
    ) -> concurrent.futures.Future[MeetingLink]:
        """A new meeting on `server` (``https://host``, ``visio://host:port``), at `access` or
        the server's default: its link. Its host secret goes to the keyring (`secrets`), so
        joining it from this machine makes us its host."""
        return self._engine.submit(self._create(server, access, policy))

    async def _create(
        self, server: str, access: Access | None, policy: Policy | None
    ) -> MeetingLink:
        created = await create_meeting(server, access, policy=policy)
        key = host_secret_key(created.link)  # the keyring may block: off the engine loop
        await asyncio.to_thread(self.secrets.set, key, created.host_secret)
        return created.link

    def admit(self, ids: tuple[str, ...], allow: bool = True) -> concurrent.futures.Future[None]:
        """Let these people in from the lobby (`allow`), or turn them away."""
        return self._call(lambda m: m.hosting.admit(ids, allow))

    def set_room_state(self, state: RoomState) -> concurrent.futures.Future[None]:
        """The meeting's access level, and whether participants' microphones are locked."""
        return self._call(lambda m: m.hosting.set_room_state(state))

    def moderate(self, action: Moderation, target: str = "") -> concurrent.futures.Future[None]:
        """Act on participant `target` (MUTE with no target: everyone but the hosts)."""
        return self._call(lambda m: m.hosting.moderate(action, target))

    def end_meeting(self) -> concurrent.futures.Future[None]:
        """End the meeting for everyone (hosts only); MeetingEnded sends everyone away."""
        return self._call(lambda m: m.hosting.end_meeting())

    def stats(self) -> concurrent.futures.Future[list[RemoteStats]]:
        return self._call(lambda m: m.stats())

    def _call(
        self, action: Callable[[Meeting], Coroutine[Any, Any, _T]]
    ) -> concurrent.futures.Future[_T]:
        async def run() -> _T:
            if self._meeting is None:
                raise NotInMeetingError()
            return await action(self._meeting)

        return self._engine.submit(run())

    def _emit(self, event: ev.Event, meeting: Meeting | None) -> None:
        """Hand an event on; `meeting` is the one it comes from (None: the preview)."""
        ended = isinstance(event, ev.Left) and event.reason is LeaveReason.DISCONNECTED
        if ended and meeting is not None and self._meeting is meeting:
            self._meeting = None
        try:
            self._listener(event)
        except Exception:  # a front end's bug must not take the engine down
            log.exception("event listener failed on %s", event.name)


def _discard(key: TileKey, frame: object) -> None:
    return None
