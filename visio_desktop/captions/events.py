"""What captions produce: caption segments, and the worker's state changes."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CaptionEvent", "CaptionSegment", "WorkerError", "WorkerReady", "WorkerStopped"]


@dataclass(frozen=True)
class CaptionSegment:
    """A caption. Partials (final=False) are replaced by later ones with the same segment_id;
    the final one closes the segment. `start`/`end` are seconds from the start of the stream.
    A final with empty text withdraws partials that turned out to be no speech."""

    segment_id: str
    text: str
    final: bool
    language: str
    start: float
    end: float


@dataclass(frozen=True)
class WorkerReady:
    """The worker loaded its models and listens."""

    model: str  # the folder of the speech model


@dataclass(frozen=True)
class WorkerError:
    """Captions failed; with fatal=True the worker has stopped (no model, crash...)."""

    message: str
    fatal: bool = True


@dataclass(frozen=True)
class WorkerStopped:
    """The worker ended on request, after its last caption."""

    blocks: int  # audio blocks it processed


CaptionEvent = CaptionSegment | WorkerReady | WorkerError | WorkerStopped
