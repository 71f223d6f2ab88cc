"""In-memory stand-ins for the meeting server and the media plane, so that `Meeting`'s own
logic (the roster, reconnection, the watchdog) runs in milliseconds and the same way each time.

In the spirit of aiortc's tests/utils.py (a dummy connection over two queues): the test plays
the server through `FakeBackend` (it scripts each connection's admission, pushes server
messages, drops the connection) and the media plane through `FakePlane` in fake_plane.py (it
reports peer states and remote tracks through the `PlaneEvents` the meeting gave it, and
scripts transport figures and the watchdog's patience). Both record what the meeting did to them.

Nothing here sleeps to synchronise: every wait is for a condition, woken by a `Pulse` that
each fake (and the `EventLog`) beats when it records something, and bounded by a timeout that
fails the test with what was seen.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from visio_desktop.core.errors import (
    ConnectionLostError,
    ServerUnreachableError,
    VisioError,
)
from visio_desktop.core.links import MeetingLink
from visio_desktop.core.protocol import (
    FEATURES,
    PROTOCOL_VERSION,
    Discovery,
    IceServer,
    Joined,
    Leave,
    MediaPlane,
    Message,
    ParticipantInfo,
    Welcome,
)
from visio_desktop.engine import events as ev
from visio_desktop.signaling.base import Admission, JoinRequest

E = TypeVar("E", bound=ev.Event)
WAIT = 2.0  # the longest any wait on the fakes may take before the test fails
ROOM = "abc-defg-hij"
LOST = "the connection to the meeting server was lost"  # what VisioSignaling says


class Pulse:
    """Wakes whoever waits for a condition each time a fake recorded something."""

    def __init__(self) -> None:
        self._beat = asyncio.Event()

    def beat(self) -> None:
        beat, self._beat = self._beat, asyncio.Event()
        beat.set()

    async def until(
        self, condition: Callable[[], bool], what: str = "", within: float = WAIT
    ) -> None:
        """Return once `condition()` holds; AssertionError after `within` seconds."""
        try:
            async with asyncio.timeout(within):
                while not condition():
                    await self._beat.wait()  # the next beat, not a guess at how long to sleep
        except TimeoutError:
            raise AssertionError(f"not within {within} s: {what or condition}") from None


class EventLog:
    """A `Meeting` listener on the test's own loop: every event, in order, and waits for them."""

    def __init__(self, pulse: Pulse) -> None:
        self.pulse = pulse
        self.events: list[ev.Event] = []
        self._taken: set[int] = set()

    def __call__(self, event: ev.Event) -> None:
        self.events.append(event)
        self.pulse.beat()

    def of(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]

    def index(self, event: ev.Event) -> int:
        """Where `event` (that very object) came in the order of events."""
        return next(i for i, seen in enumerate(self.events) if seen is event)

    def states(self) -> list[ev.ConnectionState]:
        return [event.state for event in self.of(ev.ConnectionStateChanged)]

    async def wait_for(
        self,
        kind: type[E],
        where: Callable[[E], bool] = lambda event: True,
        within: float = WAIT,
    ) -> E:
        """The first event of `kind` matching `where` that no earlier wait_for returned."""
        found: list[E] = []

        def arrived() -> bool:
            for i, event in enumerate(self.events):
                if i not in self._taken and isinstance(event, kind) and where(event):
                    self._taken.add(i)
                    found.append(event)
                    return True
            return False

        try:
            await self.pulse.until(arrived, f"a {kind.__name__}", within)
        except AssertionError as exc:
            seen = ", ".join(_describe(event) for event in self.events)
            raise AssertionError(f"{exc}; the events were: {seen}") from None
        return found[0]

    async def wait_for_state(
        self, state: ev.ConnectionState, within: float = WAIT
    ) -> ev.ConnectionStateChanged:
        return await self.wait_for(ev.ConnectionStateChanged, lambda e: e.state is state, within)


def _describe(event: ev.Event) -> str:
    if isinstance(event, ev.ConnectionStateChanged):
        return f"{event.name}({event.state})"
    if isinstance(event, ev.PeerStateChanged):
        return f"{event.name}({event.participant_id}, {event.state})"
    return event.name


# -- the meeting server ---------------------------------------------------------------------


@dataclass
class FakeConnection:
    """One scripted connection to the server: who it admits us as, who is there already, and
    (pushed by the test) what the server sends after. Messages pushed before the client joined
    on it arrive right after its admission."""

    pulse: Pulse
    self_id: str
    others: tuple[ParticipantInfo, ...]
    room: str = ROOM
    ice_servers: tuple[IceServer, ...] = ()
    request: JoinRequest | None = None  # what the client asked for when it joined on it
    sent: list[Message] = field(default_factory=list)  # what the client sent on it
    writable: bool = True  # False once dropped (by the server) or closed (by the client)
    gone: bool = False  # the client has read the end of the connection
    _inbox: asyncio.Queue[Message | VisioError] = field(
        default_factory=asyncio.Queue, init=False, repr=False
    )

    @property
    def joined(self) -> bool:
        return self.request is not None

    def admission(self, request: JoinRequest) -> Admission:
        """What a server says to `request`: its own entry (from the request) with the others."""
        self.request = request
        me = ParticipantInfo(
            id=self.self_id,
            display_name=request.display_name,
            audio=request.audio,
            video=request.video,
        )
        discovery = Discovery(
            protocol=PROTOCOL_VERSION,
            websocket="wss://visio.example.org/ws",
            ice_servers=self.ice_servers,
            media_planes=(MediaPlane.MESH,),
            features=FEATURES,
        )
        welcome = Welcome(
            protocol=PROTOCOL_VERSION, participant_id=self.self_id, ice_servers=self.ice_servers
        )
        joined = Joined(
            room=self.room, participant_id=self.self_id, participants=(me, *self.others)
        )
        return Admission(discovery, welcome, joined)

    def server_sends(self, *messages: Message) -> None:
        assert self.writable, "the server cannot send on a connection that is closed"
        for message in messages:
            self._inbox.put_nowait(message)
        self.pulse.beat()

    def server_raises(self, error: VisioError) -> None:
        """The backend's next receive() raises `error` (after what was pushed before)."""
        self._inbox.put_nowait(error)
        self.pulse.beat()

    def drop(self, reason: str = LOST) -> None:
        """The server went away: sends fail at once, receives get what was already on its
        way and then ConnectionLostError (as a WebSocket delivers what it had buffered)."""
        if self.writable:
            self.writable = False
            self._inbox.put_nowait(ConnectionLostError(reason))
        self.pulse.beat()

    async def next_message(self) -> Message:
        if self.gone:
            raise ConnectionLostError(LOST)
        item = await self._inbox.get()
        if isinstance(item, ConnectionLostError):
            self.gone = True
        if isinstance(item, VisioError):
            raise item
        return item


class FakeBackend:
    """A `MeetingBackend` held in memory. Each join() (the first one, then each rejoin attempt
    of a reconnect: `Meeting` keeps its one backend and joins it again) takes the next outcome
    the test scripted: a connection (`admits`) or an error (`refuses`); with nothing scripted
    left, a join finds the server unreachable. The server side of the latest connection is
    `backend.server_sends` / `backend.drop`, or the `FakeConnection` `admits` returned."""

    def __init__(self, pulse: Pulse | None = None, room: str = ROOM) -> None:
        self.pulse = pulse or Pulse()
        self.room = room
        self._script: deque[FakeConnection | VisioError] = deque()
        self.connections: list[FakeConnection] = []  # those the client joined on, in order
        self.requests: list[JoinRequest] = []  # every join attempt, failed ones too
        self.sent: list[Message] = []  # what the client sent, over every connection
        self.closes = 0

    # -- scripting (the test) -----------------------------------------------------------------

    def admits(
        self,
        self_id: str,
        *others: ParticipantInfo,
        ice_servers: tuple[IceServer, ...] = (),
    ) -> FakeConnection:
        """The next join succeeds: we are `self_id`, and `others` are in the room already."""
        connection = FakeConnection(self.pulse, self_id, others, self.room, ice_servers)
        self._script.append(connection)
        return connection

    def refuses(self, error: VisioError) -> None:
        """The next join fails with `error` (ServerUnreachableError: worth another try;
        ServerRejectedError: a refusal)."""
        self._script.append(error)

    @property
    def current(self) -> FakeConnection:
        assert self.connections, "the client has not joined yet"
        return self.connections[-1]

    def server_sends(self, *messages: Message) -> None:
        self.current.server_sends(*messages)

    def drop(self, reason: str = LOST) -> None:
        self.current.drop(reason)

    def sent_of(self, kind: type[Message]) -> list[Message]:
        return [message for message in self.sent if isinstance(message, kind)]

    # -- the MeetingBackend (the meeting) -----------------------------------------------------

    async def join(self, request: JoinRequest) -> Admission:
        self.requests.append(request)
        self.pulse.beat()
        if not self._script:
            raise ServerUnreachableError("could not reach the meeting server: nothing scripted")
        outcome = self._script.popleft()
        if isinstance(outcome, VisioError):
            raise outcome
        self.connections.append(outcome)
        return outcome.admission(request)

    async def send(self, message: Message) -> None:
        if not self.connections or not self.current.writable:
            raise ConnectionLostError(LOST)
        self.current.sent.append(message)
        self.sent.append(message)
        self.pulse.beat()

    async def receive(self) -> Message:
        if not self.connections:
            raise ConnectionLostError("not connected to the meeting server")
        return await self.current.next_message()

    async def close(self) -> None:
        self.closes += 1
        if self.connections and self.current.writable:
            await self.send(Leave())  # as VisioSignaling says goodbye before closing
            self.current.drop("closed by the client")
        self.pulse.beat()


class FakeBackends:
    """A `Session`'s backend_factory: each join (each new meeting) gets the next backend."""

    def __init__(self, *backends: FakeBackend) -> None:
        self._left = deque(backends)
        self.links: list[MeetingLink] = []

    def __call__(self, link: MeetingLink) -> FakeBackend:
        self.links.append(link)
        assert self._left, "the test scripted no backend for this join"
        return self._left.popleft()
