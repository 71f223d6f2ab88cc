"""A small binding to libopus (ctypes), for what FFmpeg's Opus wrapper in av does not give:
in-band FEC tuned from the loss the receiver reports, DTX, decoding a lost frame from the FEC
that the next packet carries, and packet-loss concealment (PLC).

The library is the system's libopus (Debian's `libopus0`), or else the copy that av's wheel
carries. 48 kHz, 16-bit PCM; one channel on both sides (an Opus stream is decodable at any
channel count, so a stereo sender is heard downmixed). Without the library, `OpusUnavailable`
says what to install. The CTL numbers are libopus's `opus_defines.h`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt

from visio_desktop.core.errors import MediaError

RATE = 48_000
FRAME_SAMPLES = 960  # 20 ms, the only frame size we send
MAX_FRAME_SAMPLES = 5760  # 120 ms, the largest an Opus packet holds
MAX_PACKET_BYTES = 1500

_APPLICATION_VOIP = 2048
_SIGNAL_VOICE = 3001
_SET_BITRATE = 4002
_SET_INBAND_FEC = 4012
_SET_PACKET_LOSS_PERC = 4014
_SET_DTX = 4016
_SET_SIGNAL = 4024
_INSTALL = "sudo apt install libopus0 (Debian, Ubuntu) or sudo dnf install opus"

Pcm = npt.NDArray[np.int16]


class OpusUnavailable(MediaError):
    """libopus cannot be loaded; the message says what to install."""


class OpusCodecError(MediaError):
    """libopus refused a call (a broken packet, a bad setting)."""


@functools.cache
def library() -> ctypes.CDLL:
    """libopus, loaded once: the system's, else av's own copy. Raises OpusUnavailable."""
    candidates: list[str] = []
    found = ctypes.util.find_library("opus")
    if found:
        candidates.append(found)
    candidates += ["libopus.so.0", "opus.dll", "libopus.dylib"]
    candidates += [str(p) for p in _av_copies()]
    for name in candidates:
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        _declare(lib)
        return lib
    raise OpusUnavailable(f"the Opus library (libopus) is missing; install it: {_INSTALL}")


def version() -> str:
    return bytes(library().opus_get_version_string()).decode()


def _av_copies() -> list[Path]:
    root = Path(av.__file__).resolve().parent
    # av.libs in a wheel install; the bundle's own folder in a PyInstaller build
    folders = [root.parent / "av.libs", root / ".dylibs", root.parent]
    patterns = ("libopus*.so*", "libopus*.dylib", "*opus*.dll")
    return [
        path
        for folder in folders
        if folder.is_dir()
        for pattern in patterns
        for path in sorted(folder.glob(pattern))
    ]


def _declare(lib: ctypes.CDLL) -> None:
    c_int, ptr = ctypes.c_int, ctypes.c_void_p
    lib.opus_get_version_string.restype = ctypes.c_char_p
    lib.opus_strerror.restype = ctypes.c_char_p
    lib.opus_strerror.argtypes = [c_int]
    lib.opus_encoder_create.restype = ptr
    lib.opus_encoder_create.argtypes = [ctypes.c_int32, c_int, c_int, ctypes.POINTER(c_int)]
    lib.opus_encoder_destroy.argtypes = [ptr]
    lib.opus_encode.restype = ctypes.c_int32
    lib.opus_encode.argtypes = [ptr, ctypes.c_void_p, c_int, ctypes.c_char_p, ctypes.c_int32]
    lib.opus_decoder_create.restype = ptr
    lib.opus_decoder_create.argtypes = [ctypes.c_int32, c_int, ctypes.POINTER(c_int)]
    lib.opus_decoder_destroy.argtypes = [ptr]
    lib.opus_decode.restype = c_int
    lib.opus_decode.argtypes = [ptr, ctypes.c_char_p, ctypes.c_int32, ctypes.c_void_p, c_int, c_int]
    lib.opus_packet_get_nb_samples.restype = c_int
    lib.opus_packet_get_nb_samples.argtypes = [ctypes.c_char_p, ctypes.c_int32, ctypes.c_int32]


def _check(code: int, what: str) -> int:
    if code < 0:
        reason = bytes(library().opus_strerror(code)).decode()
        raise OpusCodecError(f"Opus {what} failed: {reason}")
    return code


class Encoder:
    """A mono 48 kHz VoIP encoder: 20 ms of PCM in, one packet out."""

    def __init__(self, bitrate: int = 32_000) -> None:
        lib, error = library(), ctypes.c_int(0)
        self._lib = lib
        self._state = lib.opus_encoder_create(RATE, 1, _APPLICATION_VOIP, ctypes.byref(error))
        _check(error.value, "encoder creation")
        self._out = ctypes.create_string_buffer(MAX_PACKET_BYTES)
        self._ctl(_SET_SIGNAL, _SIGNAL_VOICE)
        self.set_bitrate(bitrate)
        self.loss_percent = -1

    def _ctl(self, request: int, value: int) -> None:
        code = self._lib.opus_encoder_ctl(
            ctypes.c_void_p(self._state), ctypes.c_int(request), ctypes.c_int(value)
        )
        _check(code, "setting")

    def set_bitrate(self, bitrate: int) -> None:
        self._ctl(_SET_BITRATE, bitrate)

    def set_fec(self, on: bool) -> None:
        """In-band FEC: each packet also carries a coarse copy of the one before."""
        self._ctl(_SET_INBAND_FEC, int(on))

    def set_dtx(self, on: bool) -> None:
        """In silence, packets of one or two bytes that a sender need not send."""
        self._ctl(_SET_DTX, int(on))

    def set_packet_loss(self, percent: int) -> None:
        """The loss to protect against (0-100): how much FEC the packets carry."""
        percent = max(0, min(100, percent))
        if percent != self.loss_percent:
            self._ctl(_SET_PACKET_LOSS_PERC, percent)
            self.loss_percent = percent

    def encode(self, pcm: Pcm | bytes) -> bytes:
        """One frame of mono s16 PCM (2.5 to 60 ms; we use 20) to one Opus packet."""
        if isinstance(pcm, bytes):
            pcm = np.frombuffer(pcm, dtype=np.int16)
        pcm = np.ascontiguousarray(pcm, dtype=np.int16)
        size = self._lib.opus_encode(
            self._state, pcm.ctypes.data, len(pcm), self._out, MAX_PACKET_BYTES
        )
        return self._out.raw[: _check(size, "encoding")]

    def __del__(self) -> None:
        state = getattr(self, "_state", None)
        if state:
            self._lib.opus_encoder_destroy(state)
            self._state = None


class Decoder:
    """A mono 48 kHz decoder with FEC recovery and concealment."""

    def __init__(self) -> None:
        lib, error = library(), ctypes.c_int(0)
        self._lib = lib
        self._state = lib.opus_decoder_create(RATE, 1, ctypes.byref(error))
        _check(error.value, "decoder creation")
        self._pcm = np.zeros(MAX_FRAME_SAMPLES, dtype=np.int16)

    def decode(self, data: bytes | None, *, fec: bool = False, samples: int = FRAME_SAMPLES) -> Pcm:
        """PCM of a packet (`data`); with `fec`, of the packet *before* `data`, recovered
        from the FEC that `data` carries (`samples` long, concealed if it carries none);
        with None, `samples` of concealment in place of a lost packet."""
        frame = samples if data is None or fec else MAX_FRAME_SAMPLES
        count = self._lib.opus_decode(
            self._state,
            data if data else None,
            len(data) if data else 0,
            self._pcm.ctypes.data,
            frame,
            int(fec and bool(data)),
        )
        return self._pcm[: _check(count, "decoding")].copy()

    def __del__(self) -> None:
        state = getattr(self, "_state", None)
        if state:
            self._lib.opus_decoder_destroy(state)
            self._state = None


def packet_samples(data: bytes) -> int:
    """How many samples per channel at 48 kHz a packet holds (0 if it is not Opus)."""
    if not data:
        return 0
    count = library().opus_packet_get_nb_samples(data, len(data), RATE)
    return max(0, int(count))
