"""Turn speech probabilities and audio into decode requests: pure, deterministic logic.

A segment opens on speech (with a little audio from before it), asks for a partial decode about
every second, and ends after about 0.5 s of silence with a final decode of the speech plus a
short tail. A segment that reaches the cap (about 15 s) is finalised as it is and, if speech
goes on, the next one opens at once.

To meet a final caption within a second of the end of speech, the segmenter also asks for a
*pre-final* partial as soon as the silence is long enough to hold the tail: its audio is exactly
what the final would decode if the silence lasts, so a caller that remembers its last result
(`DecodeRequest.key`) can answer the final without decoding again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from visio_desktop.captions.audio import SAMPLE_RATE, Audio
from visio_desktop.captions.vad import CHUNK_SAMPLES

__all__ = ["DecodeRequest", "Segmenter", "SegmenterConfig"]


@dataclass(frozen=True)
class SegmenterConfig:
    speech_threshold: float = 0.5  # a chunk at or above this is speech
    silence_threshold: float = 0.35  # inside a segment, a chunk below this is silence
    partial_interval_s: float = 1.0  # re-decode the open segment this often
    end_silence_s: float = 0.5  # silence that ends a segment
    max_segment_s: float = 15.0  # a segment is finalised when it reaches this length
    pre_roll_s: float = 0.2  # audio kept from before the speech onset
    tail_s: float = 0.2  # silence kept after the last speech in the final decode
    prefinal: bool = True  # ask for the final's decode early, as a partial (see module doc)
    min_speech_s: float = 0.2  # a segment with less speech than this is dropped unheard

    def __post_init__(self) -> None:
        if not 0 < self.silence_threshold <= self.speech_threshold <= 1:
            raise ValueError("need 0 < silence_threshold <= speech_threshold <= 1")
        if not 0 <= self.tail_s < self.end_silence_s:
            raise ValueError("tail_s must be shorter than end_silence_s")
        if self.max_segment_s <= self.partial_interval_s:
            raise ValueError("max_segment_s must be longer than partial_interval_s")


@dataclass(frozen=True)
class DecodeRequest:
    """Decode `audio` (16 kHz) of segment `segment`; times in seconds from the stream start."""

    segment: int
    audio: Audio
    start: float
    end: float
    final: bool

    @property
    def key(self) -> tuple[int, float, float]:
        """Two requests with the same key carry the same audio."""
        return (self.segment, self.start, self.end)


def _samples(seconds: float) -> int:
    return round(seconds * SAMPLE_RATE)


class Segmenter:
    """Feed it consecutive 512-sample chunks with their speech probability."""

    def __init__(self, config: SegmenterConfig | None = None) -> None:
        self.config = config or SegmenterConfig()
        c = self.config
        self._pre_roll_chunks = max(1, _samples(c.pre_roll_s) // CHUNK_SAMPLES)
        self._pre_roll: deque[Audio] = deque(maxlen=self._pre_roll_chunks)
        self._clock = 0  # samples seen, including skipped ones
        self._next_id = 0
        self._open = False
        self._chunks: list[Audio] = []
        self._start = 0  # sample position of the segment's first sample
        self._length = 0  # samples in the segment
        self._speech_end = 0  # segment-relative sample just after the last speech chunk
        self._speech = 0  # speech samples in the segment
        self._in_speech = False
        self._silence = 0  # samples of silence since the last speech chunk
        self._next_partial = 0  # segment-relative sample at which the next partial is due
        self._prefinal_done = False

    def skip(self, samples: int) -> None:
        """Audio was lost (dropped blocks): time moves on; the open segment just continues."""
        self._clock += samples

    def push(self, chunk: Audio, probability: float) -> list[DecodeRequest]:
        """One chunk and its speech probability; returns the decodes now due, in order."""
        if len(chunk) != CHUNK_SAMPLES:
            raise ValueError(f"expected {CHUNK_SAMPLES} samples, got {len(chunk)}")
        c = self.config
        requests: list[DecodeRequest] = []
        position = self._clock
        self._clock += CHUNK_SAMPLES
        if not self._open:
            if probability < c.speech_threshold:
                self._pre_roll.append(chunk)
                return requests
            self._open_segment(position)
        threshold = c.silence_threshold if self._in_speech else c.speech_threshold
        speech = probability >= threshold
        self._chunks.append(chunk)
        self._length += CHUNK_SAMPLES
        self._in_speech = speech
        if speech:
            self._speech_end = self._length
            self._speech += CHUNK_SAMPLES
            self._silence = 0
            self._prefinal_done = False
        else:
            self._silence += CHUNK_SAMPLES
        heard = self._speech >= _samples(c.min_speech_s)
        if self._silence >= _samples(c.end_silence_s):
            requests += self._close(self._speech_end + _samples(c.tail_s), heard)
        elif self._length >= _samples(c.max_segment_s):
            requests += self._close(self._length, heard)
        elif self._prefinal_due(heard):
            self._prefinal_done = True
            self._next_partial = self._length + _samples(c.partial_interval_s)
            requests.append(self._request(self._speech_end + _samples(c.tail_s), final=False))
        elif heard and self._silence == 0 and self._length >= self._next_partial:
            self._next_partial = self._length + _samples(c.partial_interval_s)
            requests.append(self._request(self._length, final=False))
        return requests

    def _prefinal_due(self, heard: bool) -> bool:
        c = self.config
        return (
            c.prefinal and heard and not self._prefinal_done and self._silence >= _samples(c.tail_s)
        )

    def flush(self) -> list[DecodeRequest]:
        """End of the stream: finalise the open segment, if any."""
        if not self._open:
            return []
        heard = self._speech >= _samples(self.config.min_speech_s)
        end = min(self._length, self._speech_end + _samples(self.config.tail_s))
        return self._close(end, heard)

    def _open_segment(self, position: int) -> None:
        pre = list(self._pre_roll)
        self._pre_roll.clear()
        self._open = True
        self._chunks = pre
        self._length = sum(len(p) for p in pre)
        self._start = position - self._length
        self._speech_end = self._length
        self._speech = 0
        self._in_speech = False
        self._silence = 0
        self._next_partial = self._length + _samples(self.config.partial_interval_s)
        self._prefinal_done = False

    def _request(self, end: int, final: bool) -> DecodeRequest:
        end = min(end, self._length)
        audio = np.concatenate(self._chunks)[:end] if self._chunks else np.zeros(0, np.float32)
        return DecodeRequest(
            segment=self._next_id,
            audio=audio.astype(np.float32, copy=False),
            start=self._start / SAMPLE_RATE,
            end=(self._start + end) / SAMPLE_RATE,
            final=final,
        )

    def _close(self, end: int, heard: bool) -> list[DecodeRequest]:
        requests = [self._request(end, final=True)] if heard else []
        # What follows the kept tail is silence that may precede the next speech.
        for chunk in self._chunks[-self._pre_roll_chunks :] if not self._in_speech else []:
            self._pre_roll.append(chunk)
        self._open = False
        self._chunks = []
        self._next_id += 1
        return requests
