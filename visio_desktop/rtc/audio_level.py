"""The audio level in each sent packet's header extension (RFC 6465), worked out with numpy.

aiortc 1.16's RTCRtpSender computes it for every audio frame it sends with
`aiortc.rtp.compute_audio_level_dbov`, a pure-Python loop over every sample (about 5 % of a
client's CPU in a mesh of four, where each frame goes to three senders). `audio_level_dbov`
returns exactly the same integer (the sum of squares is exact in both), and remembers the last
frame it saw: every sender of the mesh receives the same frame object from the MediaRelay, so
it is worked out once per frame. The sender calls it as `rtp.compute_audio_level_dbov(data)`
(through the module), so `use_fast_audio_level` replaces the module's attribute, once.
"""

from __future__ import annotations

import math

import numpy as np
from aiortc import rtp
from av import AudioFrame

MAX_SAMPLE_VALUE = 32767
MIN_AUDIO_LEVEL, MAX_AUDIO_LEVEL = -127, 0

AIORTC_AUDIO_LEVEL = rtp.compute_audio_level_dbov  # aiortc's own, kept for the tests

_last: tuple[AudioFrame, int] | None = None  # the last frame and its level (holds the frame)


def audio_level_dbov(frame: AudioFrame) -> int:
    """RFC 6465, Appendix A, as aiortc reads it: the int16 samples of the first plane (both
    channels of packed stereo) over `frame.samples`, in dBov from -127 to 0."""
    global _last  # noqa: PLW0603 - one entry: a tuple, swapped whole (the GIL keeps it whole)
    last = _last
    if last is not None and last[0] is frame:
        return last[1]
    samples = np.frombuffer(memoryview(frame.planes[0]), dtype=np.int16).astype(np.int64)
    # Exact: below 2**53, the float sum aiortc accumulates holds integers without rounding.
    energy = float(np.dot(samples, samples))
    rms = math.sqrt(energy / (frame.samples * MAX_SAMPLE_VALUE * MAX_SAMPLE_VALUE))
    if rms > 0:
        db = min(max(20 * math.log10(rms), MIN_AUDIO_LEVEL), MAX_AUDIO_LEVEL)
    else:
        db = MIN_AUDIO_LEVEL
    level = round(db)
    _last = (frame, level)
    return level


def use_fast_audio_level() -> None:
    """Make aiortc's senders use `audio_level_dbov` (idempotent)."""
    if rtp.compute_audio_level_dbov is not audio_level_dbov:
        rtp.compute_audio_level_dbov = audio_level_dbov
