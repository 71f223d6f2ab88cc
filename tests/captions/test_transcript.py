from __future__ import annotations

import json

import pytest

from visio_desktop.captions.events import CaptionSegment
from visio_desktop.captions.transcript import (
    TranscriptEntry,
    entries_from_segments,
    format_timestamp,
    render,
    to_json,
    to_srt,
    to_txt,
    to_vtt,
    word_error_rate,
)

ENTRIES = [
    TranscriptEntry(1.5, 3.25, "Bonjour à tous.", "Alice", "fr"),
    TranscriptEntry(3661.001, 3662.0, "Hello <everyone> & --> welcome\n\nback", "Bob", "en"),
]


def test_timestamps() -> None:
    assert format_timestamp(0) == "00:00:00,000"
    assert format_timestamp(3661.0015) == "01:01:01,002"
    assert format_timestamp(59.9996, ".") == "00:01:00.000"
    assert format_timestamp(-1) == "00:00:00,000"


def test_srt() -> None:
    assert to_srt(ENTRIES) == (
        "1\n00:00:01,500 --> 00:00:03,250\nAlice: Bonjour à tous.\n\n"
        "2\n01:01:01,001 --> 01:01:02,000\nBob: Hello <everyone> & -> welcome back\n"
    )


def test_vtt_escapes_and_names_the_voice() -> None:
    assert to_vtt(ENTRIES) == (
        "WEBVTT\n\n"
        "00:00:01.500 --> 00:00:03.250\n<v Alice>Bonjour à tous.\n\n"
        "01:01:01.001 --> 01:01:02.000\n<v Bob>Hello &lt;everyone&gt; &amp; -&gt; welcome back\n"
    )


def test_txt_with_and_without_times() -> None:
    assert to_txt(ENTRIES).splitlines()[0] == "[00:00:01] Alice: Bonjour à tous."
    plain = [TranscriptEntry(0, 1, "One."), TranscriptEntry(1, 2, "Two.")]
    assert to_txt(plain, timestamps=False) == "One.\nTwo.\n"
    assert to_txt([]) == ""


def test_json_lists_segments_with_start_end_text_language() -> None:
    items = json.loads(to_json(ENTRIES))
    assert items[0] == {
        "start": 1.5,
        "end": 3.25,
        "text": "Bonjour à tous.",
        "language": "fr",
        "speaker": "Alice",
    }
    assert "speaker" not in json.loads(to_json([TranscriptEntry(0, 1, "x")]))[0]


def test_render_dispatches_and_refuses_unknown_formats() -> None:
    assert render(ENTRIES, "srt") == to_srt(ENTRIES)
    assert render(ENTRIES, "vtt") == to_vtt(ENTRIES)
    with pytest.raises(ValueError, match="docx"):
        render(ENTRIES, "docx")


def test_entries_keep_final_non_empty_segments_in_time_order() -> None:
    segments = [
        CaptionSegment("b", "second", True, "en", 5.0, 6.0),
        CaptionSegment("a", "first par", False, "en", 1.0, 2.0),
        CaptionSegment("a", "first", True, "en", 1.0, 2.5),
        CaptionSegment("c", "", True, "en", 7.0, 8.0),
    ]
    entries = entries_from_segments(segments, speaker="Me")
    assert [(e.text, e.speaker) for e in entries] == [("first", "Me"), ("second", "Me")]


def test_word_error_rate() -> None:
    assert word_error_rate("The cat sat.", "the cat, sat") == 0.0
    assert word_error_rate("a b c d", "a x c") == 0.5
    assert word_error_rate("L'année prochaine", "l année prochaine") == 0.0
    assert word_error_rate("", "") == 0.0
    assert word_error_rate("", "noise") == 1.0
