"""Transcripts as text: plain, SubRip (.srt), WebVTT (.vtt) and JSON. Pure functions.

The meeting panel and `captions transcribe` share these. An entry is a final caption with its
times (seconds from the start of the meeting or file) and, in a meeting, its speaker.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from visio_desktop.captions.events import CaptionSegment

__all__ = [
    "FORMATS",
    "TranscriptEntry",
    "entries_from_segments",
    "format_timestamp",
    "render",
    "to_json",
    "to_srt",
    "to_txt",
    "to_vtt",
    "word_error_rate",
]

FORMATS = ("txt", "srt", "vtt", "json")


@dataclass(frozen=True)
class TranscriptEntry:
    start: float
    end: float
    text: str
    speaker: str = ""
    language: str = ""


def entries_from_segments(
    segments: Iterable[CaptionSegment], speaker: str = ""
) -> list[TranscriptEntry]:
    """The final, non-empty segments in time order."""
    finals = [s for s in segments if s.final and s.text.strip()]
    return [
        TranscriptEntry(s.start, s.end, s.text, speaker, s.language)
        for s in sorted(finals, key=lambda s: (s.start, s.end))
    ]


def format_timestamp(seconds: float, decimal: str = ",") -> str:
    """HH:MM:SS,mmm (SubRip) or, with decimal=".", HH:MM:SS.mmm (WebVTT)."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{decimal}{millis:03d}"


def _one_line(text: str) -> str:
    """Captions are single lines; a blank line or an arrow would end or fake a cue."""
    return " ".join(text.split()).replace("-->", "->")


def to_txt(entries: Iterable[TranscriptEntry], timestamps: bool = True) -> str:
    lines = []
    for entry in entries:
        speaker = f"{entry.speaker}: " if entry.speaker else ""
        stamp = f"[{format_timestamp(entry.start)[:8]}] " if timestamps else ""
        lines.append(f"{stamp}{speaker}{_one_line(entry.text)}")
    return "".join(line + "\n" for line in lines)


def to_srt(entries: Iterable[TranscriptEntry]) -> str:
    cues = []
    for number, entry in enumerate(entries, start=1):
        speaker = f"{entry.speaker}: " if entry.speaker else ""
        times = f"{format_timestamp(entry.start)} --> {format_timestamp(entry.end)}"
        cues.append(f"{number}\n{times}\n{speaker}{_one_line(entry.text)}\n")
    return "\n".join(cues)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(entries: Iterable[TranscriptEntry]) -> str:
    cues = ["WEBVTT\n"]
    for entry in entries:
        start, end = format_timestamp(entry.start, "."), format_timestamp(entry.end, ".")
        text = _vtt_escape(_one_line(entry.text))
        if entry.speaker:
            text = f"<v {_vtt_escape(_one_line(entry.speaker))}>{text}"
        cues.append(f"{start} --> {end}\n{text}\n")
    return "\n".join(cues)


def to_json(entries: Iterable[TranscriptEntry]) -> str:
    items = []
    for entry in entries:
        item: dict[str, object] = {
            "start": round(entry.start, 3),
            "end": round(entry.end, 3),
            "text": entry.text,
            "language": entry.language,
        }
        if entry.speaker:
            item["speaker"] = entry.speaker
        items.append(item)
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def render(entries: Iterable[TranscriptEntry], fmt: str, timestamps: bool = True) -> str:
    """The transcript in one of FORMATS."""
    entries = list(entries)
    if fmt == "txt":
        return to_txt(entries, timestamps)
    if fmt == "srt":
        return to_srt(entries)
    if fmt == "vtt":
        return to_vtt(entries)
    if fmt == "json":
        return to_json(entries)
    raise ValueError(f"unknown transcript format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _words(text: str) -> list[str]:
    """Lower case words without punctuation; apostrophes and hyphens split words."""
    text = unicodedata.normalize("NFC", text.lower()).replace("’", "'")
    return re.sub(r"[^\w]+", " ", text).split()


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / reference words, ignoring case and
    punctuation. An empty reference gives 0.0 for an empty hypothesis, else 1.0."""
    ref, hyp = _words(reference), _words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, start=1):
        diagonal, row[0] = row[0], i
        for j, other in enumerate(hyp, start=1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (word != other))
    return row[-1] / len(ref)
