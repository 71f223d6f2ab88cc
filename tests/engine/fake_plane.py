"""An in-memory media plane for `Meeting`'s own tests: it records what the meeting asks of it
and lets the test report peer states and remote tracks, as aiortc would, through the
`PlaneEvents` the meeting gave it. See tests/engine/fakes.py for the server side."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from aiortc.mediastreams import MediaStreamTrack

from tests.engine.fakes import Pulse
from visio_desktop.core.errors import (
    PeerConnectionError,
    VisioError,
)
from visio_desktop.core.kinds import PeerState, Slot
from visio_desktop.core.protocol import (
    Signal,
    SignalKind,
)
from visio_desktop.rtc.plane import (
    PlaneEvents,
    PlaneSetup,
    SendSignal,
    TileSizes,
    TransportStats,
)

# -- the media plane ------------------------------------------------------------------------


@dataclass(frozen=True)
class Restart:
    participant_id: str
    stalled_checks: int  # how many stalled checks the watchdog made before it restarted


class FakePlane:
    """A `MediaPlane` that moves no media. Like the mesh it reports a NEW connection for each
    participant it is given (so that the watchdog starts watching them) and sends an offer
    through the meeting server to those it offers to (the smaller id offers); `mesh_like=False`
    turns both off. Everything the meeting asks of it is recorded, in order, in `calls`."""

    def __init__(
        self,
        setup: PlaneSetup,
        events: PlaneEvents,
        send_signal: SendSignal,
        *,
        pulse: Pulse,
        patience: Mapping[str, int] | None = None,
        stats: Mapping[str, TransportStats] | None = None,
        mesh_like: bool = True,
    ) -> None:
        self.setup = setup
        self.events = events
        self.send_signal = send_signal
        self.pulse = pulse
        self.patience = patience if patience is not None else {}
        self.stats = stats if stats is not None else {}
        self.mesh_like = mesh_like
        self.calls: list[tuple[str, object]] = []
        self.peers: list[str] = []  # those it exchanges media with now
        self.published: dict[Slot, MediaStreamTrack | None] = {}
        self.signals: list[Signal] = []
        self.restarts: list[Restart] = []
        self.stall_checks: Counter[str] = Counter()  # every stalled check the watchdog made
        self._checks_since_restart: Counter[str] = Counter()
        self.closes = 0
        self.refuse_signals = False  # handle_signal raises PeerConnectionError, as on bad SDP
        self.restart_error: VisioError | None = None  # restart_participant raises this

    def _record(self, what: str, detail: object = None) -> None:
        self.calls.append((what, detail))
        self.pulse.beat()

    @property
    def added(self) -> list[str]:
        return [str(detail) for what, detail in self.calls if what == "add"]

    @property
    def removed(self) -> list[str]:
        return [str(detail) for what, detail in self.calls if what == "remove"]

    @property
    def used_after_close(self) -> list[tuple[str, object]]:
        """What the meeting asked of this plane after closing it (should be nothing)."""
        closes = [i for i, (what, _) in enumerate(self.calls) if what == "close"]
        return (
            [call for call in self.calls[closes[0] + 1 :] if call[0] != "close"] if closes else []
        )

    def offers_to(self, participant_id: str) -> bool:
        return self.setup.self_id < participant_id

    # -- what the test drives (the plane reporting to the meeting) ----------------------------

    def report(self, participant_id: str, state: PeerState) -> None:
        self.events.peer_state_changed(participant_id, state)

    def deliver(self, participant_id: str, slot: Slot, track: MediaStreamTrack) -> None:
        self.events.track_arrived(participant_id, slot, track)

    # -- the MediaPlane -----------------------------------------------------------------------

    async def add_participant(self, participant_id: str) -> None:
        self._record("add", participant_id)
        if participant_id in self.peers:
            return
        self.peers.append(participant_id)
        if self.mesh_like:
            self.report(participant_id, PeerState.NEW)
            if self.offers_to(participant_id):
                await self.send_signal(Signal(to=participant_id, kind=SignalKind.OFFER, sdp="v=0"))

    async def remove_participant(self, participant_id: str) -> None:
        self._record("remove", participant_id)
        if participant_id in self.peers:
            self.peers.remove(participant_id)

    async def publish(self, slot: Slot, track: MediaStreamTrack | None) -> None:
        self.published[slot] = track
        self._record("publish", slot)

    async def handle_signal(self, signal: Signal) -> None:
        self.signals.append(signal)
        self._record("signal", signal)
        if self.refuse_signals:
            raise PeerConnectionError(f"bad {signal.kind} from {signal.sender}")

    async def restart_participant(self, participant_id: str) -> None:
        checks = self._checks_since_restart.pop(participant_id, 0)
        self.restarts.append(Restart(participant_id, checks))
        self._record("restart", participant_id)
        if self.restart_error is not None:
            raise self.restart_error

    def stalled_checks_before_restart(self, participant_id: str) -> int:
        self.stall_checks[participant_id] += 1
        self._checks_since_restart[participant_id] += 1
        self.pulse.beat()
        return self.patience.get(participant_id, 1)

    async def transport_stats(self, participant_id: str) -> TransportStats:
        return self.stats.get(participant_id, TransportStats())

    async def show(self, tiles: TileSizes) -> None:
        self._record("show", dict(tiles))

    async def close(self) -> None:
        self.closes += 1
        self.peers.clear()
        self._record("close")


class FakePlanes:
    """A `PlaneFactory` for Meeting's `plane_factory`: one `FakePlane` per admission (the
    first join, then each rejoin), all sharing the scripted `patience` and `stats`, which the
    test may change at any time."""

    def __init__(self, pulse: Pulse, *, mesh_like: bool = True) -> None:
        self.pulse = pulse
        self.mesh_like = mesh_like
        self.patience: dict[str, int] = {}  # stalled checks before a restart (default 1)
        self.stats: dict[str, TransportStats] = {}
        self.planes: list[FakePlane] = []

    def __call__(
        self, setup: PlaneSetup, events: PlaneEvents, send_signal: SendSignal
    ) -> FakePlane:
        plane = FakePlane(
            setup,
            events,
            send_signal,
            pulse=self.pulse,
            patience=self.patience,
            stats=self.stats,
            mesh_like=self.mesh_like,
        )
        self.planes.append(plane)
        self.pulse.beat()
        return plane

    @property
    def latest(self) -> FakePlane:
        assert self.planes, "no admission has built a plane yet"
        return self.planes[-1]
