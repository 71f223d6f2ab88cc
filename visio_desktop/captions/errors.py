"""The errors of captions: each derives from `VisioError` and reads as a sentence."""

from __future__ import annotations

from visio_desktop.core.errors import VisioError

__all__ = [
    "AudioInputError",
    "CaptionsError",
    "ChecksumMismatchError",
    "DownloadCancelledError",
    "ModelDownloadError",
    "ModelUnavailableError",
    "RecognizerError",
]


class CaptionsError(VisioError):
    """Base of the captions errors."""


class AudioInputError(CaptionsError):
    """An audio file could not be read, or is not a WAV file."""


class ModelUnavailableError(CaptionsError):
    """No usable speech model: captions are unavailable until the user gets one."""


class RecognizerError(CaptionsError):
    """A model was found but could not be loaded or run (corrupt file, wrong format...)."""


class ModelDownloadError(CaptionsError):
    """A model download failed, or was refused (no known checksum, policy, network)."""


class ChecksumMismatchError(ModelDownloadError):
    """A downloaded or assembled file does not have the checksum the catalogue names."""


class DownloadCancelledError(ModelDownloadError):
    """The user cancelled a download; nothing was installed."""
