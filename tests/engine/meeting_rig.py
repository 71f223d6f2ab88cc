"""A `Meeting` on the in-memory fakes (tests/engine/fakes.py and fake_plane.py), for the
tests of its own logic: the participants they use, the fast reconnection and watchdog rules,
and folds of the events into what a front end would show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from tests.engine.fake_plane import FakePlane, FakePlanes
from tests.engine.fakes import ROOM, EventLog, FakeBackend, Pulse
from visio_desktop.core.links import MeetingLink, parse_link
from visio_desktop.core.protocol import (
    ParticipantInfo,
)
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_state import CallState
from visio_desktop.engine.meeting import Meeting
from visio_desktop.engine.options import AddressRules, MediaOptions, ReconnectPolicy, StallRules
from visio_desktop.rtc.addresses import AddressSource

LINK = parse_link(f"https://visio.example.org/{ROOM}")
State = ev.ConnectionState
# Ids are chosen around ours ("m…") so that the mesh rule (the smaller id offers) goes both ways.
ANNE = ParticipantInfo(id="a-anne", display_name="Anne", audio=True, video=True)
BRUNO = ParticipantInfo(id="z-bruno", display_name="Bruno", audio=True)
CHLOE = ParticipantInfo(id="c-chloe", display_name="Chloé", video=True)
DAVID = ParticipantInfo(id="d-david", display_name="David")  # sends nothing
FAST = ReconnectPolicy(delays=(0.0, 0.0, 0.0), quick_for=0.0)  # three attempts, no pause
IDLE_WATCHDOG = StallRules(check_seconds=3600.0)  # out of the way unless a test wants it
STEADY_ADDRESSES = ("192.0.2.10",)  # this machine's addresses, unless a test changes them
# Checks every 10 ms; a peer that never sent anything is stalled 50 ms after connecting.
QUICK_STALLS = StallRules(check_seconds=0.01, silence_seconds=0.3, first_media_seconds=0.05)


@dataclass
class Rig:
    """A meeting on the fakes: the test plays the server (`backend`) and the plane (`plane`)."""

    pulse: Pulse
    events: EventLog
    backend: FakeBackend
    planes: FakePlanes
    reconnect: ReconnectPolicy = FAST
    stall_rules: StallRules = IDLE_WATCHDOG
    addresses: AddressSource = lambda: STEADY_ADDRESSES
    address_rules: AddressRules | None = None
    link: MeetingLink = LINK
    meetings: list[Meeting] = field(default_factory=list)

    async def start(self, name: str = "Agent", media: MediaOptions | None = None) -> Meeting:
        meeting = Meeting(
            self.backend,
            self.link,
            self.events,
            media or MediaOptions(),
            reconnect=self.reconnect,
            stall_rules=self.stall_rules,
            plane_factory=self.planes,
            addresses=self.addresses,
            address_rules=self.address_rules,
        )
        self.meetings.append(meeting)
        await meeting.start(name)
        return meeting

    @property
    def plane(self) -> FakePlane:
        return self.planes.latest


def roster_of(events: Iterable[ev.Event]) -> dict[str, ParticipantInfo]:
    """The others in the call, as a front end that folds the events in order would have them."""
    roster: dict[str, ParticipantInfo] = {}
    for event in events:
        if isinstance(event, ev.Joined):
            roster = {p.id: p for p in event.participants if p.id != event.self_id}
        elif isinstance(event, ev.ParticipantJoined | ev.ParticipantUpdated):
            known = isinstance(event, ev.ParticipantJoined) or event.participant.id in roster
            if known:  # an update of someone not (or no longer) there adds nobody
                roster[event.participant.id] = event.participant
        elif isinstance(event, ev.ParticipantLeft):
            roster.pop(event.participant_id, None)
    return roster


def call_state_of(events: Iterable[ev.Event]) -> CallState:
    """The window's own model of the call, fed the same events."""
    state = CallState()
    state.join_started(0, ROOM, "Agent", audio=False, video=False)
    for event in events:
        state.apply(event)
    return state
