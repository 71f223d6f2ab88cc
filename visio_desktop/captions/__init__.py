"""Live captions made on this machine: voice activity detection, speech recognition in a
worker process, caption segments, speech models, and transcripts.

Heavy libraries (onnxruntime, faster-whisper, CTranslate2, FFmpeg) are imported only where
they run: importing this package is cheap.
"""

from visio_desktop.captions.audio import SAMPLE_RATE, Decimator, read_wav
from visio_desktop.captions.download import DownloadProgress, download_model
from visio_desktop.captions.errors import (
    AudioInputError,
    CaptionsError,
    ChecksumMismatchError,
    DownloadCancelledError,
    ModelDownloadError,
    ModelUnavailableError,
    RecognizerError,
)
from visio_desktop.captions.events import (
    CaptionEvent,
    CaptionSegment,
    WorkerError,
    WorkerReady,
    WorkerStopped,
)
from visio_desktop.captions.models import (
    CATALOGUE,
    DEFAULT_MODEL,
    AvailableModel,
    CatalogueEntry,
    available_models,
    find_model,
    models_root,
    require_model,
    unavailable_message,
)
from visio_desktop.captions.pipeline import CaptionPipeline
from visio_desktop.captions.recognizer import (
    Recognizer,
    ScriptedRecognizer,
    Transcript,
    WhisperRecognizer,
)
from visio_desktop.captions.segmenter import Segmenter, SegmenterConfig
from visio_desktop.captions.transcript import TranscriptEntry, entries_from_segments, render
from visio_desktop.captions.vad import ScriptedVad, SileroVad, VoiceActivityDetector
from visio_desktop.captions.worker import CaptionWorker, WorkerConfig

__all__ = [
    "CATALOGUE",
    "DEFAULT_MODEL",
    "SAMPLE_RATE",
    "AudioInputError",
    "AvailableModel",
    "CaptionEvent",
    "CaptionPipeline",
    "CaptionSegment",
    "CaptionWorker",
    "CaptionsError",
    "CatalogueEntry",
    "ChecksumMismatchError",
    "Decimator",
    "DownloadCancelledError",
    "DownloadProgress",
    "ModelDownloadError",
    "ModelUnavailableError",
    "Recognizer",
    "RecognizerError",
    "ScriptedRecognizer",
    "ScriptedVad",
    "Segmenter",
    "SegmenterConfig",
    "SileroVad",
    "Transcript",
    "TranscriptEntry",
    "VoiceActivityDetector",
    "WhisperRecognizer",
    "WorkerConfig",
    "WorkerError",
    "WorkerReady",
    "WorkerStopped",
    "available_models",
    "download_model",
    "entries_from_segments",
    "find_model",
    "models_root",
    "read_wav",
    "render",
    "require_model",
    "unavailable_message",
]
