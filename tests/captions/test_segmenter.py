"""Segmenter and pipeline logic with a scripted VAD and a scripted recognizer: no model."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from visio_desktop.captions.events import CaptionSegment
from visio_desktop.captions.pipeline import CaptionPipeline
from visio_desktop.captions.recognizer import ScriptedRecognizer
from visio_desktop.captions.segmenter import DecodeRequest, Segmenter, SegmenterConfig
from visio_desktop.captions.vad import CHUNK_SAMPLES, ScriptedVad

CHUNK_S = CHUNK_SAMPLES / 16_000  # 32 ms


def chunks(seconds: float) -> int:
    return round(seconds / CHUNK_S)


def script(*parts: tuple[float, float]) -> list[float]:
    """(probability, seconds) pieces as one probability per chunk."""
    return [p for probability, seconds in parts for p in [probability] * chunks(seconds)]


def run(
    probabilities: list[float], config: SegmenterConfig | None = None
) -> list[tuple[float, DecodeRequest]]:
    """Each request with the stream time (s) at which the segmenter asked for it."""
    segmenter = Segmenter(config)
    silence = np.zeros(CHUNK_SAMPLES, np.float32)
    out = []
    for index, probability in enumerate(probabilities):
        for request in segmenter.push(silence, probability):
            out.append(((index + 1) * CHUNK_S, request))
    return out


def test_partials_about_every_second_then_final_after_half_a_second_of_silence() -> None:
    onset, speech = chunks(1.0) * CHUNK_S, chunks(3.5) * CHUNK_S  # whole chunks
    requests = run(script((0.0, onset), (0.9, speech), (0.0, 2.0)))
    partials = [(t, r) for t, r in requests if not r.final]
    finals = [(t, r) for t, r in requests if r.final]
    assert len(finals) == 1
    regular, prefinal = partials[:-1], partials[-1]
    times = [t - onset for t, _ in regular]
    assert [round(t) for t in times] == [1, 2, 3]
    assert all(1.0 <= b - a <= 1.0 + CHUNK_S for a, b in itertools.pairwise(times))
    speech_end = onset + speech
    # the pre-final partial comes once the 0.2 s tail is there; the final at 0.5 s of silence
    assert speech_end + 0.2 <= prefinal[0] <= speech_end + 0.2 + CHUNK_S
    final_time, final = finals[0]
    assert speech_end + 0.5 <= final_time <= speech_end + 0.5 + CHUNK_S
    assert final.end == pytest.approx(speech_end + 0.2, abs=CHUNK_S)
    assert final.start == pytest.approx(onset - 0.2, abs=CHUNK_S)  # pre-roll kept
    assert prefinal[1].key == final.key  # same audio: the final can reuse the partial
    assert {r.segment for _, r in requests} == {final.segment}
    assert len(final.audio) == round((final.end - final.start) * 16_000)


def test_a_short_pause_does_not_end_the_segment() -> None:
    requests = run(script((0.0, 0.5), (0.9, 1.5), (0.0, 0.4), (0.9, 1.5), (0.0, 1.0)))
    finals = [r for _, r in requests if r.final]
    assert len(finals) == 1
    assert finals[0].end == pytest.approx(0.5 + 1.5 + 0.4 + 1.5 + 0.2, abs=2 * CHUNK_S)


def test_segments_are_capped_at_fifteen_seconds_and_speech_goes_on_in_a_new_one() -> None:
    requests = run(script((0.0, 0.5), (0.9, 20.0), (0.0, 1.0)))
    finals = [(t, r) for t, r in requests if r.final]
    assert len(finals) == 2
    (cut_time, first), (_, second) = finals
    assert first.end - first.start == pytest.approx(15.0, abs=CHUNK_S)
    assert cut_time == pytest.approx(first.end, abs=CHUNK_S)
    assert second.segment != first.segment
    assert second.start == pytest.approx(first.end, abs=CHUNK_S)  # nothing lost at the cut
    assert second.end == pytest.approx(20.5 + 0.2, abs=2 * CHUNK_S)
    assert all(r.end - r.start <= 15.0 + CHUNK_S for _, r in requests)


def test_a_blip_shorter_than_the_minimum_speech_is_dropped_unheard() -> None:
    assert run(script((0.0, 0.5), (0.9, 0.1), (0.0, 2.0))) == []


def test_hysteresis_keeps_a_segment_through_middling_probabilities() -> None:
    # 0.4 is below the onset threshold (0.5) but above the silence one (0.35)
    assert run(script((0.4, 3.0))) == []
    requests = run(script((0.9, 0.5), (0.4, 1.0), (0.0, 1.0)))
    (final,) = [r for _, r in requests if r.final]
    assert final.end == pytest.approx(1.5 + 0.2, abs=2 * CHUNK_S)


def test_config_is_checked() -> None:
    with pytest.raises(ValueError):
        SegmenterConfig(tail_s=0.6, end_silence_s=0.5)
    with pytest.raises(ValueError):
        SegmenterConfig(speech_threshold=0.3, silence_threshold=0.4)


def pipeline(
    probabilities: list[float], texts: list[str]
) -> tuple[CaptionPipeline, ScriptedRecognizer]:
    recognizer = ScriptedRecognizer(texts)
    return CaptionPipeline(
        ScriptedVad(probabilities), recognizer, language="en", id_prefix="t-"
    ), recognizer


def feed_live(p: CaptionPipeline, seconds: float) -> list[CaptionSegment]:
    """Feed 20 ms blocks, decoding after each, as the worker does when it keeps up."""
    events: list[CaptionSegment] = []
    for _ in range(round(seconds / 0.02)):
        p.feed(np.zeros(320, np.float32))
        events += p.decode_pending()
    return events


def test_partials_then_the_final_with_the_same_segment_id() -> None:
    p, recognizer = pipeline(
        script((0.0, 0.5), (0.9, 2.5), (0.0, 1.0)), ["one", "one two", "one two three"]
    )
    events = feed_live(p, 4.0)
    assert [(e.text, e.final) for e in events] == [
        ("one", False),
        ("one two", False),
        ("one two three", False),  # the pre-final partial
        ("one two three", True),  # same audio: answered without decoding again
    ]
    assert {e.segment_id for e in events} == {"t-0"}
    assert len(recognizer.calls) == 3
    assert recognizer.calls[0][1] == "en"


def test_a_pipeline_behind_decodes_only_what_is_still_worth_showing() -> None:
    p, recognizer = pipeline(script((0.0, 0.5), (0.9, 4.0), (0.0, 1.0)), ["all of it"])
    p.feed(np.zeros(16_000 * 6, np.float32))
    events = p.decode_pending()
    assert [(e.text, e.final) for e in events] == [("all of it", True)]
    assert len(recognizer.calls) == 1


def test_flush_finalises_the_open_segment() -> None:
    p, _ = pipeline(script((0.0, 0.5), (0.9, 3.0)), ["partial", "end"])
    events = feed_live(p, 2.0)
    assert [e.final for e in events] == [False]
    p.flush()
    (final,) = p.decode_pending()
    assert final.final and final.segment_id == events[0].segment_id


def test_no_empty_partials_and_an_empty_final_withdraws_a_shown_partial() -> None:
    p, _ = pipeline(script((0.0, 0.5), (0.9, 2.2), (0.0, 1.0)), ["", "maybe", ""])
    events = feed_live(p, 4.0)
    assert [(e.text, e.final) for e in events] == [("maybe", False), ("", True)]
    p2, _ = pipeline(script((0.0, 0.5), (0.9, 0.8), (0.0, 1.0)), [""])
    assert feed_live(p2, 3.0) == []  # nothing shown, nothing to withdraw


def test_lost_audio_keeps_timestamps_true() -> None:
    p, _ = pipeline(script((0.0, 0.5), (0.9, 1.5), (0.0, 1.0)), ["x"])
    p.skip(16_000 * 10)
    (final,) = [e for e in feed_live(p, 3.0) if e.final]
    assert final.start == pytest.approx(10.3, abs=CHUNK_S)
