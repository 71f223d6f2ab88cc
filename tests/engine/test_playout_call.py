"""Remote audio reaches the playout mixer: what one participant says is in the other's mix,
and a participant who leaves is taken out of it."""

from __future__ import annotations

import threading

import numpy as np
from av import AudioFrame

from tests.engine.conftest import WAIT, EventLog
from tests.engine.test_session import synthetic
from visio_desktop.core.links import MeetingLink
from visio_desktop.engine import events as ev
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.audio_processing import BLOCK, EchoReference
from visio_desktop.media.playout import Playout


class WatchedPlayout(Playout):
    """The real mixer, telling the test once some audio of a participant is buffered."""

    def __init__(self, frames: int) -> None:
        super().__init__(EchoReference())
        self.enough = threading.Event()
        self.removed: list[str] = []
        self._wanted = frames
        self._seen = 0

    def push(self, participant_id: str, frame: AudioFrame) -> None:
        super().push(participant_id, frame)
        self._seen += 1
        if self._seen >= self._wanted:
            self.enough.set()

    def remove_participant(self, participant_id: str) -> None:
        self.removed.append(participant_id)
        super().remove_participant(participant_id)


def test_what_alice_says_is_mixed_for_bob(engine: EngineThread, link: MeetingLink) -> None:
    playout = WatchedPlayout(frames=10)  # 200 ms of audio: past the jitter buffer's prefill
    alice_log, bob_log = EventLog(), EventLog()
    alice = Session(engine, alice_log)
    bob = Session(engine, bob_log, audio_out=playout)
    alice.join(link, "Alice", synthetic("Alice")).result(timeout=WAIT)
    alice_id = alice_log.wait_for(ev.Joined).self_id
    bob.join(link, "Bob").result(timeout=WAIT)
    try:
        assert playout.enough.wait(timeout=WAIT), "no audio from Alice reached the mixer"
        block = np.zeros(BLOCK, dtype=np.int16)
        playout.pull(block)
        assert np.abs(block.astype(np.int32)).max() > 1000  # Alice's tone, not silence
        alice.leave().result(timeout=WAIT)
        bob_log.wait_for(ev.ParticipantLeft)
        assert alice_id in playout.removed
        assert playout.buffer(alice_id) is None
    finally:
        bob.leave().result(timeout=WAIT)
