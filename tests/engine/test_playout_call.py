"""Remote audio reaches the playout mixer: what one participant says is played on the other's
(stand-in) speakers, pulled through our adaptive jitter buffer, and a participant who leaves is
taken out of the mix."""

from __future__ import annotations

import threading

import numpy as np

from tests.engine.conftest import WAIT, EventLog
from tests.engine.test_session import synthetic
from visio_desktop.core.links import MeetingLink
from visio_desktop.engine import events as ev
from visio_desktop.engine.remote import MicrophoneGate
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.audio_processing import EchoReference
from visio_desktop.media.playout import PacedOutputStream, Playout
from visio_desktop.rtc.audio_receive import OpusReceive


class WatchedPlayout(Playout):
    """The real mixer, telling the test who left."""

    def __init__(self) -> None:
        super().__init__(EchoReference())
        self.removed: list[str] = []

    def remove_participant(self, participant_id: str) -> None:
        self.removed.append(participant_id)
        super().remove_participant(participant_id)


def test_what_alice_says_is_mixed_for_bob(engine: EngineThread, link: MeetingLink) -> None:
    playout = WatchedPlayout()
    heard = threading.Event()

    def speakers(block: np.ndarray, played_at: float) -> None:
        if np.abs(block.astype(np.int32)).max() > 1000:  # Alice's tone, not silence
            heard.set()

    playout.set_output(PacedOutputStream.factory(speakers), "test speakers")
    alice_log, bob_log = EventLog(), EventLog()
    alice = Session(engine, alice_log)
    bob = Session(engine, bob_log, audio_out=playout)
    alice.join(link, "Alice", synthetic("Alice")).result(timeout=WAIT)
    alice_id = alice_log.wait_for(ev.Joined).self_id
    bob.join(link, "Bob").result(timeout=WAIT)
    try:
        assert heard.wait(timeout=WAIT), "no audio from Alice reached the speakers"
        buffer = playout.buffer(alice_id)
        assert buffer is not None and isinstance(buffer.source, MicrophoneGate)
        pulled = buffer.source.source
        assert isinstance(pulled, OpusReceive)
        assert pulled.figures.real > 0  # pulled through our jitter buffer
        alice.leave().result(timeout=WAIT)
        bob_log.wait_for(ev.ParticipantLeft)
        assert alice_id in playout.removed
        assert playout.buffer(alice_id) is None
    finally:
        bob.leave().result(timeout=WAIT)
        playout.close()
