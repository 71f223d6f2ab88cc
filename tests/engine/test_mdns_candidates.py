"""A peer's `.local` candidates never reach aioice, which would resolve them with mDNS: bind
0.0.0.0:5353 and multicast to 224.0.0.251 from a meeting that should stay on its own path.

aioice makes its one mDNS socket through `aioice.mdns.create_mdns_protocol`; the engine-level
tests replace it with a recorder (so no real multicast leaves the test either) and feed a
MeshCall `.local` candidates as a trickled candidate and inside an offer and an answer."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import aioice.mdns
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from tests.engine.conftest import PlaneRecord
from visio_desktop.core.protocol import Signal, SignalKind
from visio_desktop.rtc.ice import is_mdns_candidate, without_mdns_candidates
from visio_desktop.rtc.mesh import MeshCall

MDNS_HOST = "0b8c6c1e-8b7a-4a44-9d9c-3f1c2d8e5a10.local"
MDNS_CANDIDATE = f"candidate:1 1 udp 2122260223 {MDNS_HOST} 54321 typ host"
IP_CANDIDATE = "candidate:2 1 udp 2122260223 127.0.0.1 54322 typ host"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (MDNS_CANDIDATE, True),
        ("a=" + MDNS_CANDIDATE, True),
        (MDNS_CANDIDATE.removeprefix("candidate:"), True),  # the bare form aiortc also takes
        ("candidate:1 1 udp 1 Printer.LOCAL. 5000 typ host", True),
        ("candidate:1 1 udp 1 not.local.example 5000 typ host", False),
        (IP_CANDIDATE, False),
        ("candidate:1 1 udp", False),
        ("", False),
    ],
)
def test_mdns_candidates_are_recognised(line: str, expected: bool) -> None:
    assert is_mdns_candidate(line) is expected


def test_mdns_candidate_lines_leave_a_description_and_nothing_else_does() -> None:
    sdp = "\r\n".join(["v=0", "a=" + MDNS_CANDIDATE, "a=" + IP_CANDIDATE, "a=end-of-candidates"])
    assert without_mdns_candidates(sdp + "\r\n") == "\r\n".join(
        ["v=0", "a=" + IP_CANDIDATE, "a=end-of-candidates", ""]
    )


class _RecordingMdns:
    """Stands in for aioice's mDNS protocol: resolves nothing, counts its creations."""

    created = 0

    async def resolve(self, host: str, *args: object) -> None:
        del host, args

    async def close(self) -> None:
        pass


@pytest.fixture
def mdns(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_RecordingMdns]]:
    _RecordingMdns.created = 0

    async def create() -> _RecordingMdns:
        _RecordingMdns.created += 1
        return _RecordingMdns()

    monkeypatch.setattr(aioice.mdns, "create_mdns_protocol", create)
    yield _RecordingMdns


def _with_candidate(sdp: str) -> str:
    """`sdp` with an mDNS host candidate added to each media section."""
    return sdp.replace("a=mid:", f"a={MDNS_CANDIDATE}\r\na=mid:")


async def _offer() -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("audio")
    pc.addTransceiver("video")
    await pc.setLocalDescription(await pc.createOffer())
    return pc, str(pc.localDescription.sdp)


async def _nothing(_: Signal) -> None:
    return None


def test_the_recorder_sees_what_aioice_does_with_an_mdns_candidate(
    mdns: type[_RecordingMdns],
) -> None:
    """The reproduction: plain aiortc given the same offer goes to mDNS."""

    async def run() -> None:
        other, sdp = await _offer()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        await pc.setRemoteDescription(RTCSessionDescription(_with_candidate(sdp), "offer"))
        await asyncio.gather(pc.close(), other.close())

    asyncio.run(run())
    assert mdns.created == 1


def test_an_offer_carrying_an_mdns_candidate_opens_no_mdns_socket(
    mdns: type[_RecordingMdns],
) -> None:
    answers: list[Signal] = []

    async def run() -> None:
        async def send(signal: Signal) -> None:
            answers.append(signal)

        other, sdp = await _offer()
        mesh = MeshCall("b", RTCConfiguration(iceServers=[]), send, PlaneRecord())
        offer = Signal(to="b", kind=SignalKind.OFFER, sdp=_with_candidate(sdp), sender="a")
        await mesh.handle_signal(offer)
        await asyncio.gather(mesh.close(), other.close())

    asyncio.run(run())
    assert [a.kind for a in answers] == [SignalKind.ANSWER]
    assert mdns.created == 0


def test_an_answer_or_a_trickled_mdns_candidate_opens_no_mdns_socket(
    mdns: type[_RecordingMdns],
) -> None:
    async def run() -> None:
        offers: list[Signal] = []

        async def send(signal: Signal) -> None:
            offers.append(signal)

        mesh = MeshCall("b", RTCConfiguration(iceServers=[]), send, PlaneRecord())
        await mesh.add_participant("c")  # b < c: we offer, c answers and trickles
        peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        await peer.setRemoteDescription(RTCSessionDescription(offers[0].sdp, "offer"))
        await peer.setLocalDescription(await peer.createAnswer())
        answer = _with_candidate(str(peer.localDescription.sdp))
        await mesh.handle_signal(Signal(to="b", kind=SignalKind.ANSWER, sdp=answer, sender="c"))
        assert mdns.created == 0, "the answer's candidate went to mDNS"
        trickled = Signal(
            to="b", kind=SignalKind.CANDIDATE, sdp=MDNS_CANDIDATE, mid="0", sender="c"
        )
        await mesh.handle_signal(trickled)
        assert mdns.created == 0, "the trickled candidate went to mDNS"
        await asyncio.gather(mesh.close(), peer.close())

    asyncio.run(run())


def _udp_ports_of_this_process() -> set[int]:
    """Local ports of this process's UDP sockets, read from /proc (Linux)."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.mark.skipif(not Path("/proc/net/udp").exists(), reason="reads Linux's /proc")
def test_with_the_real_aioice_no_socket_is_bound_on_5353() -> None:
    """No recorder here: the real aioice, and the process's own sockets as the kernel lists
    them while the connection is still open."""

    async def run() -> set[int]:
        other, sdp = await _offer()
        mesh = MeshCall("b", RTCConfiguration(iceServers=[]), _nothing, PlaneRecord())
        offer = Signal(to="b", kind=SignalKind.OFFER, sdp=_with_candidate(sdp), sender="a")
        await mesh.handle_signal(offer)
        await mesh.handle_signal(
            Signal(to="b", kind=SignalKind.CANDIDATE, sdp=MDNS_CANDIDATE, mid="0", sender="a")
        )
        ports = _udp_ports_of_this_process()
        await asyncio.gather(mesh.close(), other.close())
        return ports

    ports = asyncio.run(run())
    assert ports, "the connection should hold its own UDP sockets"
    assert 5353 not in ports
