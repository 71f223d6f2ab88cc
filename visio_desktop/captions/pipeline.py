"""VAD, segmenter and recognizer as one pipeline: 16 kHz audio in, caption segments out.

The captions worker and `captions transcribe` both run this. Audio is cut into 512-sample
chunks for the VAD; the segmenter turns chunks into decode requests; `decode_pending` runs
them. A partial that a later request of the same segment supersedes is skipped, so a pipeline
that has fallen behind (or a file fed at once) decodes only what is still worth showing. The
last result is remembered, so a final whose audio equals the pre-final partial costs nothing.
"""

from __future__ import annotations

import numpy as np

from visio_desktop.captions.audio import Audio
from visio_desktop.captions.events import CaptionSegment
from visio_desktop.captions.recognizer import Recognizer, Transcript
from visio_desktop.captions.segmenter import DecodeRequest, Segmenter, SegmenterConfig
from visio_desktop.captions.vad import CHUNK_SAMPLES, VoiceActivityDetector

__all__ = ["CaptionPipeline"]


class CaptionPipeline:
    def __init__(
        self,
        vad: VoiceActivityDetector,
        recognizer: Recognizer,
        *,
        language: str | None = None,
        config: SegmenterConfig | None = None,
        id_prefix: str = "",
    ) -> None:
        self.vad = vad
        self.recognizer = recognizer
        self.language = language
        self.segmenter = Segmenter(config)
        self.id_prefix = id_prefix
        self._carry = np.zeros(0, dtype=np.float32)
        self._pending: list[DecodeRequest] = []
        self._last: tuple[tuple[int, float, float], Transcript] | None = None
        self._shown: set[int] = set()  # segments with a partial on screen
        self.decodes = 0  # recognizer calls made

    @property
    def pending(self) -> int:
        return len(self._pending)

    def feed(self, audio: Audio) -> None:
        """Consecutive 16 kHz audio, any length; decodes are queued, not run."""
        data = np.concatenate([self._carry, audio]) if len(self._carry) else audio
        whole = len(data) // CHUNK_SAMPLES * CHUNK_SAMPLES
        for offset in range(0, whole, CHUNK_SAMPLES):
            chunk = data[offset : offset + CHUNK_SAMPLES]
            self._pending += self.segmenter.push(chunk, self.vad.probability(chunk))
        self._carry = data[whole:].copy()

    def skip(self, samples: int) -> None:
        """Audio was lost: keep timestamps true."""
        self.segmenter.skip(samples)

    def flush(self) -> None:
        """End of the stream: the open segment is finalised."""
        if len(self._carry):
            self.feed(np.zeros(CHUNK_SAMPLES - len(self._carry), dtype=np.float32))
        self._pending += self.segmenter.flush()

    def decode_pending(self) -> list[CaptionSegment]:
        """Run the queued decodes (skipping superseded partials); the caption segments, in order."""
        requests, self._pending = self._pending, []
        events: list[CaptionSegment] = []
        for index, request in enumerate(requests):
            later = requests[index + 1 :]
            if not request.final and any(r.segment == request.segment for r in later):
                continue
            event = self._decode(request)
            if event is not None:
                events.append(event)
        return events

    def transcribe(self, audio: Audio) -> list[CaptionSegment]:
        """A whole recording: its final segments."""
        self.feed(audio)
        self.flush()
        return [event for event in self.decode_pending() if event.final and event.text]

    def _decode(self, request: DecodeRequest) -> CaptionSegment | None:
        if self._last is not None and self._last[0] == request.key:
            transcript = self._last[1]
        else:
            transcript = self.recognizer.transcribe(request.audio, self.language)
            self.decodes += 1
            self._last = (request.key, transcript)
        if not request.final:
            if not transcript.text:
                return None
            self._shown.add(request.segment)
        elif not transcript.text and request.segment not in self._shown:
            return None
        else:
            self._shown.discard(request.segment)
        return CaptionSegment(
            segment_id=f"{self.id_prefix}{request.segment}",
            text=transcript.text,
            final=request.final,
            language=transcript.language,
            start=round(request.start, 3),
            end=round(request.end, 3),
        )
