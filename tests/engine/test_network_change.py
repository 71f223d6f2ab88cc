"""New media connections when this machine's addresses change (Wi-Fi to cable), on the
in-memory fakes with a scripted address source: in a mesh every peer is restarted at once,
without waiting for the stall checks; a backend whose session cannot move (LiveKit) is rejoined
afresh; nothing happens while the addresses stay, nor in a meeting on this machine."""

from __future__ import annotations

import contextlib
from collections.abc import Collection

import pytest
from aiortc import RTCConfiguration
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from tests.engine.conftest import PlaneRecord
from tests.engine.fakes import FakeBackend, Pulse
from tests.engine.meeting_rig import ANNE, BRUNO, QUICK_STALLS, Rig, State
from visio_desktop.core.errors import ConnectionLostError
from visio_desktop.core.kinds import PeerState
from visio_desktop.core.links import parse_link
from visio_desktop.core.meet import LiveKitGrant
from visio_desktop.core.protocol import Chat, Signal, SignalKind
from visio_desktop.engine import events as ev
from visio_desktop.engine.backends import ServerBackend
from visio_desktop.engine.options import AddressRules
from visio_desktop.engine.sfu_backend import LiveKitBackend
from visio_desktop.rtc.addresses import gatherable_addresses
from visio_desktop.rtc.mesh import MeshCall
from visio_desktop.signaling.base import FollowsAddresses
from visio_desktop.signaling.visio import VisioSignaling

WIFI = ("192.168.1.20",)
CABLE = ("10.0.0.7",)
QUICK_ADDRESSES = AddressRules(check_seconds=0.01, settle_checks=2)
NETWORK_CHANGED = "this computer's network changed"


class Addresses:
    """This machine's addresses as the test sets them; every reading beats the pulse."""

    def __init__(self, pulse: Pulse, *now: str) -> None:
        self.pulse = pulse
        self.now: Collection[str] = now
        self.readings = 0

    def __call__(self) -> Collection[str]:
        self.readings += 1
        self.pulse.beat()
        return self.now

    async def read_more(self, count: int) -> None:
        """Return once `count` more readings were made."""
        until = self.readings + count
        await self.pulse.until(lambda: self.readings >= until, f"{count} more readings")


class RejoiningBackend(FakeBackend):
    """A backend like LiveKit's: a network change costs it the session."""

    def addresses_changed(self, addresses: frozenset[str]) -> bool:
        self.drop(NETWORK_CHANGED)
        return True


@pytest.fixture
def addresses(rig: Rig) -> Addresses:
    source = Addresses(rig.pulse, *WIFI)
    rig.addresses = source
    rig.address_rules = QUICK_ADDRESSES
    return source


async def test_a_mesh_restarts_every_peer_once_when_the_addresses_change(
    rig: Rig, addresses: Addresses
) -> None:
    rig.backend.admits("m-me", ANNE, BRUNO)  # Anne offers to us, we offer to Bruno
    await rig.start()
    plane = rig.plane
    await addresses.read_more(20)
    assert plane.restarts == []

    addresses.now = (*WIFI, *CABLE)  # the cable comes up...
    await rig.pulse.until(lambda: len(plane.restarts) == 2, "both peers restarted")
    addresses.now = CABLE  # ...and the Wi-Fi goes: one more change, once more each
    await rig.pulse.until(lambda: len(plane.restarts) == 4, "both peers restarted again")
    await addresses.read_more(20)
    assert [r.participant_id for r in plane.restarts] == [ANNE.id, BRUNO.id] * 2
    restarting = [e for e in rig.events.of(ev.PeerStateChanged) if e.state is PeerState.RESTARTING]
    assert [e.participant_id for e in restarting] == [ANNE.id, BRUNO.id] * 2
    assert rig.events.states() == [State.CONNECTING, State.CONNECTED]
    assert plane.stall_checks == {}  # no stall check was needed


async def test_a_session_that_cannot_move_is_rejoined(rig: Rig, addresses: Addresses) -> None:
    backend = rig.backend = RejoiningBackend(rig.pulse)
    assert isinstance(backend, FollowsAddresses)
    backend.admits("m-me", ANNE)
    backend.admits("m-me", ANNE)
    await rig.start()
    first = rig.plane
    await addresses.read_more(10)

    addresses.now = CABLE
    reconnecting = await rig.events.wait_for_state(State.RECONNECTING)
    assert reconnecting.detail == NETWORK_CHANGED
    await rig.events.wait_for_state(State.CONNECTED)
    await rig.pulse.until(lambda: rig.plane is not first, "a new plane")
    assert rig.plane.added == [ANNE.id] and first.closes == 1
    assert len(backend.connections) == 2
    await addresses.read_more(10)
    assert len(backend.requests) == 2  # one change, one rejoin
    assert first.restarts == [] and rig.plane.restarts == []


async def test_a_meeting_on_this_machine_does_not_read_the_addresses(rig: Rig) -> None:
    source = Addresses(rig.pulse, *WIFI)
    rig.addresses, rig.address_rules = source, QUICK_ADDRESSES
    rig.link = parse_link("http://127.0.0.1:8000/abc-defg-hij")
    rig.stall_rules = QUICK_STALLS  # something that ticks, to know that time went by
    rig.planes.patience[ANNE.id] = 10**6
    rig.backend.admits("m-me", ANNE)
    await rig.start()
    plane = rig.plane
    plane.report(ANNE.id, PeerState.FAILED)
    source.now = CABLE
    await rig.pulse.until(lambda: plane.stall_checks[ANNE.id] >= 20, "twenty checks")
    assert source.readings == 0 and plane.restarts == []


async def test_livekit_reports_its_session_lost_when_the_network_changes() -> None:
    async def grant(name: str) -> LiveKitGrant:
        raise AssertionError("no join in this test")

    backend = LiveKitBackend(grant)
    assert isinstance(backend, FollowsAddresses)
    assert backend.addresses_changed(frozenset(CABLE))
    with pytest.raises(ConnectionLostError, match=NETWORK_CHANGED):
        await backend.receive()


async def test_a_mesh_offerer_whose_connection_is_new_ignores_a_restart_request() -> None:
    """Both ends of a connection may see the same network change (two sessions on one
    machine): the answering end's request, about the old connection, must not replace the
    offering end's new one (its answer would then reach the wrong connection)."""
    sent: list[Signal] = []

    async def send(signal: Signal) -> None:
        sent.append(signal)

    mesh = MeshCall("b", RTCConfiguration(iceServers=[]), send, PlaneRecord())
    try:
        await mesh.add_participant("c")  # we offer to c
        new = mesh.connection("c")
        await mesh.handle_signal(Signal(to="b", kind=SignalKind.RESTART, sender="c"))
        assert mesh.connection("c") is new
        assert [s.kind for s in sent] == [SignalKind.OFFER]
    finally:
        await mesh.close()


async def test_a_meeting_socket_whose_address_is_gone_is_dropped() -> None:
    """The mesh's signalling socket: kept while its own address stays (or is loopback),
    dropped at once when it is gone, so that the meeting rejoins over the new network."""
    host = next((a for a in gatherable_addresses() if ":" not in a), None)
    if host is None:
        pytest.skip("this machine has no IPv4 address besides loopback")

    async def echo(connection: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):  # the client drops it, on purpose
            async for frame in connection:
                await connection.send(frame)

    async with serve(echo, host, 0) as server:
        port = server.sockets[0].getsockname()[1]
        signaling = VisioSignaling(parse_link("https://meeting.invalid/abc-defg-hij"))
        signaling._ws = await connect(f"ws://{host}:{port}")  # as join() would have it
        assert isinstance(signaling, FollowsAddresses)
        assert not signaling.addresses_changed(frozenset({host, *CABLE}))
        await signaling.send(Chat(text="still here"))
        assert signaling.addresses_changed(frozenset(CABLE))
        with pytest.raises(ConnectionLostError):
            await signaling.receive()
        await signaling.close()


def test_the_backend_for_a_link_answers_as_the_one_it_chose() -> None:
    """The meeting holds a ServerBackend: it must pass the change on to LiveKit's."""

    async def grant(name: str) -> LiveKitGrant:
        raise AssertionError("no join in this test")

    backend = ServerBackend(parse_link("https://meeting.invalid/abc-defg-hij"))
    assert isinstance(backend, FollowsAddresses)
    assert not backend.addresses_changed(frozenset(CABLE))  # not joined: nothing to lose
    backend.chosen = LiveKitBackend(grant)
    assert backend.addresses_changed(frozenset(CABLE))
