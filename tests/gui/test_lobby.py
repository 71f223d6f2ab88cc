"""The lobby, hosts and moderation in the real window, driven by engine events (`lobby_feed`):
the waiting screen, being sent away, the host's lobby list, roles and the host menu in the
participants panel, what a host did to us and locked microphones."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from tests.gui.lobby_feed import WAITING, SessionSpy, feed, info, joined, start_join
from tests.gui.test_french import french, french_resources  # noqa: F401 - fixtures
from visio_desktop.core.protocol import ErrorCode, LeaveReason
from visio_desktop.core.roles import Access, Moderation, Role, RoomState
from visio_desktop.desktop import Desktop
from visio_desktop.engine import events as ev
from visio_desktop.engine.call_changes import Phase
from visio_desktop.ui.i18n import install_translator
from visio_desktop.ui.main_window import MainWindow


def last(spy: SessionSpy) -> object:
    """The last host call the window made (typed loosely: each assertion names one)."""
    return spy.calls[-1]


def phase_of(window: MainWindow) -> Phase:
    return window.state.phase


def open_participants(window: MainWindow) -> None:
    window.call.controls.action("participants").setChecked(True)


# -- the waiting screen ---------------------------------------------------------------------------


def test_waiting_screen_shows_who_and_where_then_the_call(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    window.show()
    start_join(window, "Marie")
    feed(window, ev.Waiting("abc-defg-hij", "Marie"))
    page = window.waiting
    assert window.stack.currentWidget() is page
    assert page.status.text() == "Waiting for a host to let you in"
    assert page.status.accessibleName() == "Waiting for a host to let you in"
    assert page.meeting.text() == "Meeting abc-defg-hij on visio.numerique.gouv.fr"
    assert page.person.text() == "You will appear as Marie"
    assert page.leave.accessibleName() == "Leave the lobby"
    assert window.windowTitle() == "Waiting to join abc-defg-hij – Visio"
    assert window.state.phase is Phase.JOINING

    feed(window, joined(Role.PARTICIPANT))
    assert phase_of(window) is Phase.IN_CALL
    assert window.stack.currentWidget() is window.call


def test_leave_from_the_waiting_screen_goes_home(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    window.show()
    start_join(window)
    feed(window, ev.Waiting("abc-defg-hij", "Tester"))
    QTest.mouseClick(window.waiting.leave, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.home
    assert window.state.phase is Phase.HOME
    feed(window, joined(Role.PARTICIPANT))  # too late: that meeting is left
    assert window.stack.currentWidget() is window.home


# -- sent away ------------------------------------------------------------------------------------

SENT_AWAY = [
    (ErrorCode.DENIED, "", "The host did not let you in."),
    (ErrorCode.DENIED, "Anne", "Anne did not let you in."),
    (ErrorCode.REMOVED, "Anne", "Anne removed you from the meeting."),
    (ErrorCode.REMOVED, "", "A host removed you from the meeting."),
    (ErrorCode.ENDED, "Anne", "Anne ended the meeting for everyone."),
    (ErrorCode.LOCKED, "", "This meeting is locked: nobody new can enter."),
]


@pytest.mark.parametrize(("code", "by", "text"), SENT_AWAY)
@pytest.mark.parametrize("waiting", [True, False], ids=["from-lobby", "from-call"])
def test_sent_away_says_why_at_home_not_connection_lost(
    qtbot: QtBot, desktop: Desktop, code: ErrorCode, by: str, text: str, waiting: bool
) -> None:
    window = desktop.window
    window.show()
    start_join(window)
    feed(window, ev.Waiting("abc-defg-hij", "Tester") if waiting else joined(Role.PARTICIPANT))
    feed(
        window,
        ev.SentAway(code, "in English from the engine", by),
        ev.ConnectionStateChanged(ev.ConnectionState.DISCONNECTED, "in English from the engine"),
        ev.ErrorOccurred("in English from the engine", fatal=True),
        ev.Left(LeaveReason.DISCONNECTED),
    )
    assert window.stack.currentWidget() is window.home
    assert window.home._banner_text.text() == text
    assert window.home._banner.isVisibleTo(window.home)
    assert window.state.phase is Phase.HOME
    assert not window.call.banner.isVisibleTo(window.call)


# -- the host's lobby list ------------------------------------------------------------------------


def test_lobby_list_for_a_host_admits_and_denies(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    spy = SessionSpy().install(window)
    window.show()
    start_join(window)
    feed(window, joined(Role.HOST))
    open_participants(window)
    lobby = window.hosting.lobby
    assert not lobby.isVisible()

    feed(window, ev.LobbyChanged(WAITING[:1]))
    assert lobby.isVisible()
    assert window.call.notifications.history[-1] == "Mairie de Lyon is waiting in the lobby"
    feed(window, ev.LobbyChanged(WAITING))
    assert window.call.notifications.history[-1] == "Préfecture du Rhône is waiting in the lobby"
    assert lobby.header.text() == "Waiting in the lobby (2)"
    names = [row.admit.accessibleName() for row in lobby.rows]
    assert names == ["Admit Mairie de Lyon", "Admit Préfecture du Rhône"]
    assert lobby.rows[0].deny.accessibleName() == "Deny Mairie de Lyon"
    assert lobby.admit_all.isVisible() and lobby.deny_all.isVisible()

    # The keyboard reaches Admit with Tab, and Space presses it.
    window.activateWindow()
    window.call.participants.setFocus()
    first = lobby.rows[0].admit
    for _ in range(40):
        if QApplication.focusWidget() is first:
            break
        QTest.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is first
    QTest.keyClick(first, Qt.Key.Key_Space)
    assert last(spy) == ("admit", (("l1",), True))

    QTest.mouseClick(lobby.rows[1].deny, Qt.MouseButton.LeftButton)
    assert last(spy) == ("admit", (("l2",), False))
    QTest.mouseClick(lobby.admit_all, Qt.MouseButton.LeftButton)
    assert last(spy) == ("admit", (("l1", "l2"), True))
    QTest.mouseClick(lobby.deny_all, Qt.MouseButton.LeftButton)
    assert last(spy) == ("admit", (("l1", "l2"), False))

    feed(window, ev.LobbyChanged(()))
    assert not lobby.isVisible()


def test_participants_see_no_lobby_and_no_host_actions(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    window.show()
    start_join(window)
    feed(window, joined(Role.PARTICIPANT), ev.LobbyChanged(WAITING))
    open_participants(window)
    assert not window.hosting.lobby.isVisible()
    assert not window.hosting.actions.isVisible()
    assert not window.call.participants.actions_button.isVisible()
    assert "waiting in the lobby" not in " ".join(window.call.notifications.history)
    assert window.call.controls.buttons["leave"].menu() is None


# -- roles and the host menu ----------------------------------------------------------------------


def test_rows_name_the_hosts(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    start_join(window)
    feed(window, joined(Role.COHOST))
    rows = window.call.participants.rows()
    assert "Anne — host, muted, camera off" in rows
    assert "Tester (you) — co-host, camera off" in rows
    assert window.call.participants._list.item(2).text() == "Tester (you) — co-host, camera off"


def test_host_menu_mutes_and_removes_with_confirmation(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    spy = SessionSpy().install(window)
    window.show()
    start_join(window)
    feed(window, joined(Role.HOST))
    open_participants(window)
    panel, hosting = window.call.participants, window.hosting
    assert hosting.actions.isVisible()
    panel.select("p-paul")
    assert panel.actions_button.isVisible()
    assert panel.actions_button.accessibleName() == "Actions for Paul"
    QTest.mouseClick(panel.actions_button, Qt.MouseButton.LeftButton)
    menu = hosting.menu
    assert menu is not None
    texts = {a.text(): a for a in menu.actions() if a.text()}
    assert list(texts) == [
        "Mute",
        "Stop video",
        "Stop screen sharing",
        "Lower hand",
        "Make co-host",
        "Remove from meeting…",
    ]
    assert not texts["Stop screen sharing"].isEnabled()  # Paul shares nothing
    texts["Mute"].trigger()
    assert last(spy) == ("moderate", (Moderation.MUTE, "p-paul"))
    texts["Make co-host"].trigger()
    assert last(spy) == ("moderate", (Moderation.MAKE_COHOST, "p-paul"))
    asked: list[str] = []

    def refuse(_parent: object, question: str) -> bool:
        asked.append(question)
        return False

    hosting.confirm = refuse
    texts["Remove from meeting…"].trigger()
    assert asked == ["Remove Paul from the meeting? They cannot come back in."]
    assert last(spy) != ("moderate", (Moderation.REMOVE, "p-paul"))
    hosting.confirm = lambda _parent, _question: True
    texts["Remove from meeting…"].trigger()
    assert last(spy) == ("moderate", (Moderation.REMOVE, "p-paul"))
    menu.close()

    # Panel actions: mute all, who can enter, locked microphones.
    QTest.mouseClick(hosting.actions.mute_all_button, Qt.MouseButton.LeftButton)
    assert last(spy) == ("moderate", (Moderation.MUTE, ""))
    hosting.actions.access.setCurrentIndex(1)
    assert last(spy) == ("set_room_state", (RoomState(Access.LOBBY, False),))
    hosting.actions.lock_mics.setChecked(True)
    assert last(spy) == ("set_room_state", (RoomState(Access.LOBBY, True),))
    calls = len(spy.calls)
    feed(window, ev.RoomStateChanged(RoomState(Access.LOCKED, True), "Anne"))
    assert hosting.actions.access.currentIndex() == 2
    assert len(spy.calls) == calls  # showing the server's rules asks for nothing
    assert window.call.controls.action("mic").isEnabled()  # hosts keep their microphone


def test_cohosts_do_not_appoint_and_do_not_end_the_meeting(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    window.show()
    start_join(window)
    feed(window, joined(Role.COHOST))
    open_participants(window)
    window.call.participants.select("p-paul")
    QTest.mouseClick(window.call.participants.actions_button, Qt.MouseButton.LeftButton)
    menu = window.hosting.menu
    assert menu is not None
    texts = [a.text() for a in menu.actions() if a.text()]
    assert "Make co-host" not in texts and "Mute" in texts
    menu.close()
    assert window.call.controls.buttons["leave"].menu() is None


def test_host_ends_the_meeting_for_everyone(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    spy = SessionSpy().install(window)
    window.show()
    start_join(window)
    feed(window, joined(Role.HOST))
    leave = window.call.controls.buttons["leave"]
    assert leave.menu() is window.hosting.leave_menu
    window.hosting.confirm = lambda _parent, _question: False
    window.hosting.end_action.trigger()
    assert spy.calls == []
    window.hosting.confirm = lambda _parent, _question: True
    assert window.hosting.end_action.text() == "End meeting for everyone"
    window.hosting.end_action.trigger()
    assert spy.calls == [("end_meeting", ())]


def test_made_cohost_then_not_follows_our_role(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    window.show()
    start_join(window)
    feed(window, joined(Role.PARTICIPANT))
    open_participants(window)
    assert not window.hosting.actions.isVisible()
    feed(
        window,
        ev.Moderated(Moderation.MAKE_COHOST, "Anne"),
        ev.ParticipantUpdated(info("me", "Tester", Role.COHOST)),
    )
    assert window.call.notifications.history[-1] == "Anne made you a co-host."
    assert window.hosting.actions.isVisible()
    assert "Tester (you) — co-host, camera off" in window.call.participants.rows()


# -- what a host did to us, locked microphones ----------------------------------------------------


def test_moderated_notices_and_the_microphone_follows(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    window.show()
    start_join(window)
    feed(window, joined(Role.PARTICIPANT))
    mic = window.call.controls.action("mic")
    assert mic.isChecked()
    feed(window, ev.Moderated(Moderation.MUTE, "Anne"))
    assert window.call.notifications.history[-1] == "Anne muted your microphone."
    assert not mic.isChecked()
    feed(window, ev.Moderated(Moderation.STOP_VIDEO, ""))
    assert window.call.notifications.history[-1] == "A host turned off your camera."


def test_locked_microphones_disable_the_button(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    window.show()
    start_join(window)
    feed(window, joined(Role.PARTICIPANT))
    mic = window.call.controls.action("mic")
    button = window.call.controls.buttons["mic"]
    feed(window, ev.RoomStateChanged(RoomState(mics_locked=True), "Anne"))
    assert not mic.isEnabled() and not button.isEnabled()
    assert mic.toolTip() == "A host has locked the microphones"
    assert button.accessibleDescription() == "A host has locked the microphones"
    assert window.call.notifications.history[-1] == "A host has locked the microphones"
    window.state.set_own_media(audio=False)  # the button's words change; the lock stays said
    assert mic.toolTip() == "A host has locked the microphones"
    feed(window, ev.RoomStateChanged(RoomState(mics_locked=False), "Anne"))
    assert mic.isEnabled()
    assert mic.toolTip().startswith("Turn on microphone")
    assert button.accessibleDescription() == ""


def test_microphones_locked_when_we_join(qtbot: QtBot, desktop: Desktop) -> None:
    window = desktop.window
    start_join(window)
    feed(window, joined(Role.PARTICIPANT, RoomState(Access.LOBBY, mics_locked=True)))
    assert not window.call.controls.action("mic").isEnabled()
    window.leave()
    start_join(window)  # a new meeting starts unlocked
    assert window.call.controls.action("mic").isEnabled()


# -- French and English ---------------------------------------------------------------------------


@pytest.mark.usefixtures("french")
def test_waiting_screen_and_lobby_list_in_french_and_back(
    qtbot: QtBot, desktop: Desktop, qapp: QApplication
) -> None:
    window = desktop.window
    window.show()
    install_translator(qapp, "fr")
    start_join(window, "Marie")
    feed(window, ev.Waiting("abc-defg-hij", "Marie"))
    page = window.waiting
    assert page.status.text() == "En attente qu’un organisateur vous fasse entrer"
    assert page.meeting.text() == "Réunion abc-defg-hij sur visio.numerique.gouv.fr"
    assert page.person.text() == "Vous apparaîtrez sous le nom Marie"
    assert page.leave.text() == "Quitter"
    assert page.leave.accessibleName() == "Quitter la salle d’attente"

    feed(window, joined(Role.HOST), ev.LobbyChanged(WAITING))
    lobby = window.hosting.lobby
    assert lobby.header.text() == "Dans la salle d’attente (2)"
    assert lobby.rows[0].admit.text() == "Admettre"
    assert lobby.rows[0].admit.accessibleName() == "Admettre Mairie de Lyon"
    assert lobby.rows[1].deny.accessibleName() == "Refuser Préfecture du Rhône"
    assert lobby.admit_all.text() == "Tout admettre"
    assert window.call.notifications.history[-1] == (
        "Préfecture du Rhône attend dans la salle d’attente"
    )
    assert window.hosting.actions.mute_all_button.text() == "Couper tous les micros"
    assert any(
        row.startswith("Tester (vous) — organisateur") for row in window.call.participants.rows()
    )

    install_translator(qapp, "en")  # everything follows at run time
    assert lobby.header.text() == "Waiting in the lobby (2)"
    assert lobby.rows[0].admit.accessibleName() == "Admit Mairie de Lyon"
    assert page.status.text() == "Waiting for a host to let you in"


@pytest.mark.usefixtures("french")
def test_sent_away_in_french(qtbot: QtBot, desktop: Desktop, qapp: QApplication) -> None:
    window = desktop.window
    install_translator(qapp, "fr")
    start_join(window)
    feed(window, ev.Waiting("abc-defg-hij", "Tester"), ev.SentAway(ErrorCode.DENIED, "", "Anne"))
    assert window.home._banner_text.text() == "Anne ne vous a pas fait entrer."
