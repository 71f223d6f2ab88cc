"""Whatever a peer sends as an offer, an answer or a candidate, the mesh raises only
PeerConnectionError: aiortc's SDP parser asserts and raises KeyError and kin on bad input."""

from __future__ import annotations

import asyncio

from aiortc import RTCConfiguration, RTCPeerConnection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.engine.conftest import PlaneRecord
from visio_desktop.core.errors import PeerConnectionError
from visio_desktop.core.kinds import PeerState
from visio_desktop.core.protocol import Signal, SignalKind
from visio_desktop.rtc.mesh import MeshCall


async def real_offer() -> str:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("audio")
    pc.addTransceiver("video")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = str(pc.localDescription.sdp)
    await pc.close()
    return sdp


OFFER = asyncio.run(real_offer())
LINES = OFFER.split("\r\n")


def mangle(drop: list[int], garbage: list[tuple[int, str]]) -> str:
    lines = [line for i, line in enumerate(LINES) if i not in set(drop)]
    for index, text in garbage:
        lines.insert(index % (len(lines) + 1), text)
    return "\r\n".join(lines)


sdp_texts = st.text(max_size=400) | st.builds(
    mangle,
    st.lists(st.integers(0, len(LINES)), max_size=6),
    st.lists(
        st.tuples(
            st.integers(0, 200),
            st.sampled_from(["m=video", "a=rtpmap:", "a=fingerprint:sha-256 zz", "c=IN"])
            | st.text(max_size=30),
        ),
        max_size=3,
    ),
)


async def apply(kind: SignalKind, sdp: str, have_peer: bool) -> None:
    async def send(_: Signal) -> None:
        return None

    mesh = MeshCall("b", RTCConfiguration(iceServers=[]), send, PlaneRecord())
    try:
        if have_peer:
            await mesh.add_participant("c")  # we offer to c, so c may answer or send candidates
        sender = "c" if have_peer else "a"
        await mesh.handle_signal(Signal(to="b", kind=kind, sdp=sdp, sender=sender))
    except PeerConnectionError:
        pass
    finally:
        await mesh.close()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(list(SignalKind)), sdp_texts, st.booleans())
@example(SignalKind.OFFER, mangle([6], []), False)  # half-applied offer: aiortc's close() broke
def test_bad_signals_raise_only_peer_connection_errors(
    kind: SignalKind, sdp: str, have_peer: bool
) -> None:
    asyncio.run(apply(kind, sdp, have_peer))


def test_a_real_offer_is_answered() -> None:
    answers: list[Signal] = []

    async def run() -> None:
        async def send(signal: Signal) -> None:
            answers.append(signal)

        mesh = MeshCall("b", RTCConfiguration(iceServers=[]), send, PlaneRecord())
        await mesh.handle_signal(Signal(to="b", kind=SignalKind.OFFER, sdp=OFFER, sender="a"))
        await mesh.close()

    asyncio.run(run())
    assert [(a.to, a.kind) for a in answers] == [("a", SignalKind.ANSWER)]
    assert "m=video" in answers[0].sdp


def test_the_first_offer_is_answered_on_the_waiting_connection_and_a_second_one_replaces_it() -> (
    None
):
    record = PlaneRecord()

    async def run() -> None:
        async def send(_: Signal) -> None:
            return None

        mesh = MeshCall("b", RTCConfiguration(iceServers=[]), send, record)
        await mesh.add_participant("a")  # a offers to us: we wait with a connection ready
        waiting = mesh.connection("a")
        await mesh.handle_signal(Signal(to="b", kind=SignalKind.OFFER, sdp=OFFER, sender="a"))
        assert mesh.connection("a") is waiting
        await mesh.handle_signal(Signal(to="b", kind=SignalKind.OFFER, sdp=OFFER, sender="a"))
        assert mesh.connection("a") is not waiting
        await mesh.close()

    asyncio.run(run())
    assert record.states.count(("a", PeerState.NEW)) == 2
