"""Captions in a real meeting: a participant whose synthetic microphone speaks a WAV file
captions their own voice on their machine; the other participant receives the final segments,
attributed to the speaker by the server, and partials come before the final they lead to."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.captions.speech import ENGLISH, silence, utterances, write_wav
from visio_desktop.captions.transcript import word_error_rate
from visio_desktop.core.links import parse_link
from visio_desktop.engine import events as ev
from visio_desktop.engine.captions import CaptionsOptions
from visio_desktop.engine.options import MediaOptions
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.sources import SyntheticSources
from visio_desktop.server.runner import EmbeddedServer

WAIT = 60.0
SENTENCES = ENGLISH[:3]


class Events:
    def __init__(self) -> None:
        self.queue: queue.Queue[ev.Event] = queue.Queue()

    def __call__(self, event: ev.Event) -> None:
        self.queue.put(event)

    def captions_until_final_count(self, finals: int) -> list[ev.CaptionReceived]:
        """Caption events until `finals` non-empty finals arrived (WAIT seconds at most each)."""
        seen: list[ev.CaptionReceived] = []
        while sum(1 for c in seen if c.final and c.text) < finals:
            try:
                event = self.queue.get(timeout=WAIT)
            except queue.Empty:
                raise AssertionError(f"only {seen!r} within {WAIT} s") from None
            if isinstance(event, ev.CaptionReceived):
                seen.append(event)
            if isinstance(event, ev.CaptionsStateChanged) and event.state == "failed":
                raise AssertionError(event.detail)
        return seen


@pytest.fixture
def speech_wav(tmp_path: Path) -> Path:
    """The sentences, then silence long enough for the last one to be finalised."""
    spoken = utterances(SENTENCES, tmp_path)
    return write_wav(tmp_path / "speech.wav", np.concatenate([spoken, silence(30.0)]))


@pytest.fixture
def meeting(
    base_model: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[EmbeddedServer, EngineThread]]:
    monkeypatch.setenv("VISIO_MODELS_DIR", str(base_model.parent))
    server = EmbeddedServer()
    server.start()
    engine = EngineThread()
    engine.start()
    yield server, engine
    engine.stop()
    server.stop()


def test_a_speaker_is_captioned_for_the_others(
    meeting: tuple[EmbeddedServer, EngineThread], speech_wav: Path
) -> None:
    server, engine = meeting
    link = parse_link(f"{server.base_url}/abc-defg-hij")
    speaker_events, listener_events = Events(), Events()
    speaker = Session(engine, speaker_events)
    listener = Session(engine, listener_events)
    listener.join(link, "Listener").result(timeout=WAIT)
    sources = SyntheticSources("Speaker", wav=speech_wav, width=160, height=90, fps=5)
    speaker.join(link, "Speaker", MediaOptions(audio=True, sources=sources)).result(timeout=WAIT)
    speaker.set_captions(True, CaptionsOptions(language="en")).result(timeout=WAIT)
    try:
        received = listener_events.captions_until_final_count(len(SENTENCES))
        own = speaker_events.captions_until_final_count(len(SENTENCES))
    finally:
        for session in (speaker, listener):
            session.leave().result(timeout=WAIT)

    speaker_ids = {c.sender for c in received}
    assert len(speaker_ids) == 1 and {c.sender_name for c in received} == {"Speaker"}
    finals = [c for c in received if c.final and c.text]
    text = " ".join(c.text for c in finals)
    assert word_error_rate(" ".join(SENTENCES), text) <= 0.15, text
    assert {c.language for c in finals} == {"en"}
    # Partials of a segment come before its final, and nothing follows the final.
    for final in finals:
        same = [c for c in received if c.segment_id == final.segment_id]
        assert same[-1] is final
        assert all(not c.final for c in same[:-1])
    assert any(not c.final for c in received), "no partial caption arrived"
    # The speaker's own overlay had the same finals, at once, attributed to them.
    assert [c.text for c in own if c.final and c.text] == [c.text for c in finals]
    assert {c.sender for c in own} == speaker_ids
