"""Drive the real window through a lobby meeting with engine events, as the engine would send
them, while the server side of lobbies is not there: the join starts, then events arrive on the
bridge. Only the Session's host calls are recorded instead of sent (`SessionSpy`)."""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass, field
from typing import Any

from visio_desktop.core.links import parse_link
from visio_desktop.core.protocol import ParticipantInfo
from visio_desktop.core.roles import LobbyEntry, Role, RoomState
from visio_desktop.engine import events as ev
from visio_desktop.ui.main_window import MainWindow

ROOM = "abc-defg-hij"
LINK = f"https://visio.numerique.gouv.fr/{ROOM}"
WAITING = (
    LobbyEntry(id="l1", display_name="Mairie de Lyon", since=1.0),
    LobbyEntry(id="l2", display_name="Préfecture du Rhône", since=2.0),
)


@dataclass
class SessionSpy:
    """Records the host calls the window makes on its real Session."""

    calls: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def install(self, window: MainWindow) -> SessionSpy:
        session = window.services.session
        for name in ("admit", "set_room_state", "moderate", "end_meeting"):
            setattr(session, name, self._recorder(name))
        return self

    def _recorder(self, name: str) -> Any:
        def record(*args: Any) -> concurrent.futures.Future[None]:
            self.calls.append((name, args))
            done: concurrent.futures.Future[None] = concurrent.futures.Future()
            done.set_result(None)
            return done

        return record


def feed(window: MainWindow, *events: ev.Event) -> None:
    for event in events:
        window.services.bridge.engine_event.emit(event)


def start_join(window: MainWindow, name: str = "Tester", *, video: bool = False) -> None:
    """Join pressed: the window follows meeting 0, the events these tests feed."""
    window.link = parse_link(LINK)
    window.state.join_started(0, ROOM, name, audio=True, video=video)


def info(pid: str, name: str, role: Role = Role.PARTICIPANT, **state: bool) -> ParticipantInfo:
    return ParticipantInfo(id=pid, display_name=name, role=role, **state)


def joined(role: Role, state: RoomState | None = None) -> ev.Joined:
    """In the meeting as "Tester" (`role`), with Anne (host) and Paul there."""
    people = (
        info("me", "Tester", role, audio=True),
        info("p-anne", "Anne", Role.HOST if role is not Role.HOST else Role.PARTICIPANT),
        info("p-paul", "Paul", audio=True, video=True, hand_raised=True),
    )
    return ev.Joined(ROOM, "me", people, state or RoomState())
