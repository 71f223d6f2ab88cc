"""Synthetic media tracks: a labelled moving test pattern, and tones or WAV files as audio.

Every synthetic video frame says SYNTHETIC in big letters, so nobody takes it for a camera,
and carries a machine-readable stamp (frame number and capture time) in black and white cells
at its top-left corner. The stamp survives VP8 at aiortc's bitrates, so a receiver can count
lost frames and measure latency with `read_stamp`.
"""

from __future__ import annotations

import asyncio
import logging
import time
import unicodedata
import wave
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, AudioResampler, VideoFrame

from visio_desktop.core.errors import MediaError
from visio_desktop.media.glyphs import draw_text, text_size

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]
Pixels = npt.NDArray[np.uint8]
AudioTap = Callable[[AudioFrame], None]

VIDEO_CLOCK_RATE = 90_000
VIDEO_TIME_BASE = Fraction(1, VIDEO_CLOCK_RATE)
AUDIO_SAMPLE_RATE = 48_000
AUDIO_FRAME_SAMPLES = 960  # 20 ms
AUDIO_TIME_BASE = Fraction(1, AUDIO_SAMPLE_RATE)
CAPTURE_MS_MODULO = 1 << 40

_STAMP_ROWS, _STAMP_COLUMNS = 4, 20  # 80 cells: 32 bits frame, 40 bits ms, 8 bits CRC
_BLACK, _WHITE, _NEUTRAL = 16, 235, 128
_STAMP_MARGIN = 48  # a cell whose luma is nearer than this to 128 makes the read ambiguous
_YUV_FORMATS = frozenset({"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "nv12"})


@dataclass(frozen=True)
class VideoStamp:
    """What a synthetic frame says about itself: its number and wall-clock capture time."""

    frame_number: int  # carried modulo 2**32
    capture_ms: int  # time.time() * 1000, modulo 2**40


def _crc8(data: bytes) -> int:
    """CRC-8 (polynomial 0x07, init 0xFF, xor-out 0x55): all-black and all-white fail it."""
    crc = 0xFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc ^ 0x55


def stamp_cell_size(width: int) -> int:
    """Side in pixels of one stamp cell in a frame `width` pixels wide.

    Cells are whole 16x16 macroblocks: with smaller cells, the denoiser and skip decisions of
    aiortc's VP8 encoder keep stale or averaged cells wherever only some of a block changes.
    """
    return 16 * max(1, width // 640)


def _stamp_fits(width: int, height: int) -> bool:
    cell = stamp_cell_size(width)
    return _STAMP_COLUMNS * cell <= width and _STAMP_ROWS * cell <= height


def _stamp_levels(stamp: VideoStamp) -> Pixels:
    payload = (stamp.frame_number % (1 << 32)).to_bytes(4, "big")
    payload += (stamp.capture_ms % CAPTURE_MS_MODULO).to_bytes(5, "big")
    bits = np.unpackbits(np.frombuffer(payload + bytes([_crc8(payload)]), dtype=np.uint8))
    return np.where(bits.reshape(_STAMP_ROWS, _STAMP_COLUMNS), _WHITE, _BLACK).astype(np.uint8)


def _plane(frame: VideoFrame, index: int, rows: int | None = None) -> Pixels:
    """Plane `index` of `frame` (its first `rows` rows) as a writable array, honouring stride."""
    plane = frame.planes[index]
    rows = plane.height if rows is None else rows
    data = np.frombuffer(memoryview(plane), dtype=np.uint8, count=rows * plane.line_size)
    return data.reshape(rows, plane.line_size)[:, : plane.width]


def read_stamp(frame: VideoFrame) -> VideoStamp | None:
    """The stamp of a synthetic frame, or None if it has none or it does not check out."""
    if not _stamp_fits(frame.width, frame.height):
        return None
    if frame.format.name not in _YUV_FORMATS:
        frame = frame.reformat(format="yuv420p")
    cell = stamp_cell_size(frame.width)
    band = _plane(frame, 0, _STAMP_ROWS * cell)[:, : _STAMP_COLUMNS * cell]
    lo, hi = cell // 4, cell - cell // 4
    cells = band.reshape(_STAMP_ROWS, cell, _STAMP_COLUMNS, cell)[:, lo:hi, :, lo:hi]
    means = cells.mean(axis=(1, 3))
    if np.any(np.abs(means - _NEUTRAL) < _STAMP_MARGIN):
        return None
    data = np.packbits((means >= _NEUTRAL).ravel()).tobytes()
    if _crc8(data[:9]) != data[9]:
        return None
    return VideoStamp(int.from_bytes(data[:4], "big"), int.from_bytes(data[4:9], "big"))


def _rgb_to_yuv(r: float, g: float, b: float) -> tuple[int, int, int]:
    """BT.601 limited-range YUV of an 8-bit RGB colour."""
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    return round(y), round(u), round(v)


# 75% colour bars (white, yellow, cyan, green, magenta, red, blue, black) from their RGB bits.
_BARS = np.array(
    [_rgb_to_yuv(*(191 * (bits >> s & 1) for s in (2, 1, 0))) for bits in (7, 6, 3, 2, 5, 4, 1, 0)],
    dtype=np.uint8,
)
_BOX = _rgb_to_yuv(255, 140, 0)


def _bounce(position: int, span: int) -> int:
    """Where a point moving `position` pixels back and forth along `span` pixels is (even)."""
    position %= 2 * span
    return (position if position <= span else 2 * span - position) & ~1


def _plain_label(label: str) -> str:
    decomposed = unicodedata.normalize("NFKD", label)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper().strip()


class _TestPattern:
    """Scrolling colour bars, a bouncing box, a SYNTHETIC plate with the label, the stamp."""

    def __init__(self, label: str, width: int, height: int) -> None:
        self.width, self.height = width, height
        self._speed = 2 * max(1, width // 320)  # pixels per frame, even to keep chroma aligned
        x = np.arange(2 * width)  # two periods, so every scroll offset is one slice
        bars = _BARS[(x * 8 // width) % 8]
        strip = height // 6 & ~1  # a grey ramp along the bottom
        self._bg_y = np.repeat(bars[np.newaxis, :, 0], height, axis=0)
        self._bg_y[height - strip :] = 16 + (x % width) * 219 // width
        self._bg_uv = [np.repeat(bars[np.newaxis, ::2, i], height // 2, axis=0) for i in (1, 2)]
        for chroma in self._bg_uv:
            chroma[(height - strip) // 2 :] = _NEUTRAL
        self._box = np.full((height // 6 & ~1,) * 2, _BOX[0], dtype=np.uint8)
        self._cell = stamp_cell_size(width) if _stamp_fits(width, height) else 0
        self._band = np.empty((_STAMP_ROWS * self._cell, _STAMP_COLUMNS * self._cell), np.uint8)
        self._plate, self._plate_x, self._plate_y = self._make_plate(_plain_label(label))

    def _make_plate(self, label: str) -> tuple[Pixels, int, int]:
        scale = max(1, min(self.width // 100, self.height // 50))
        pad = 2 * scale
        room = self.width - 2 * pad
        lines = [("SYNTHETIC", scale)]
        if label:
            label = label[: (room + 1) // 6]  # what fits at scale 1
            lines.append((label, max(1, min(scale, room // text_size(label, 1)[0]))))
        sizes = [text_size(text, s) for text, s in lines]
        plate_w = min(self.width, max(w for w, _ in sizes) + 2 * pad + 1) & ~1
        plate_h = (sum(h for _, h in sizes) + (len(lines) + 1) * pad + 1) & ~1
        plate = np.full((plate_h, plate_w), _BLACK, dtype=np.uint8)
        top = pad
        for (text, s), (w, h) in zip(lines, sizes, strict=True):
            draw_text(plate, text, (plate_w - w) // 2, top, scale=s, value=_WHITE)
            top += h + pad
        below_stamp = self._band.shape[0] + pad
        y = min(max(below_stamp, (self.height - plate_h) // 2), self.height - plate_h)
        return plate, (self.width - plate_w) // 2 & ~1, max(0, y) & ~1

    def render(self, index: int, stamp: VideoStamp) -> VideoFrame:
        w, h = self.width, self.height
        frame = VideoFrame(w, h, "yuv420p")
        y, u, v = _plane(frame, 0), _plane(frame, 1), _plane(frame, 2)
        offset = index * self._speed % w
        y[:] = self._bg_y[:, offset : offset + w]
        u[:] = self._bg_uv[0][:, offset // 2 : (offset + w) // 2]
        v[:] = self._bg_uv[1][:, offset // 2 : (offset + w) // 2]

        def paint(x: int, top: int, luma: Pixels, chroma: tuple[int, int]) -> None:
            bottom, right = top + luma.shape[0], x + luma.shape[1]
            y[top:bottom, x:right] = luma
            u[top // 2 : bottom // 2, x // 2 : right // 2] = chroma[0]
            v[top // 2 : bottom // 2, x // 2 : right // 2] = chroma[1]

        box = self._box.shape[0]
        bx, by = _bounce(index * (self._speed + 3), w - box), _bounce(index * 3, h - box)
        paint(bx, by, self._box, _BOX[1:])
        paint(self._plate_x, self._plate_y, self._plate, (_NEUTRAL, _NEUTRAL))
        if self._cell:
            c, band = self._cell, self._band
            levels = _stamp_levels(stamp)[:, np.newaxis, :, np.newaxis]
            band.reshape(_STAMP_ROWS, c, _STAMP_COLUMNS, c)[:] = levels
            paint(0, 0, band, (_NEUTRAL, _NEUTRAL))
        return frame


class _Pacer:
    """Releases frame n at start + n * period on `clock`; sleeps only when ahead of schedule."""

    def __init__(self, period: Fraction, clock: Clock, sleep: Sleep) -> None:
        self._period, self._clock, self._sleep = period, clock, sleep
        self._start: float | None = None
        self._index = 0

    async def next_index(self) -> int:
        if self._start is None:
            self._start = self._clock()
            return 0
        self._index += 1
        wait = self._start + float(self._index * self._period) - self._clock()
        if wait > 0:
            await self._sleep(wait)
        return self._index


async def _next_due(track: MediaStreamTrack, pacer: _Pacer) -> int:
    """The index of the track's next frame, once it is due; MediaStreamError once stopped."""
    if track.readyState != "live":
        raise MediaStreamError
    index = await pacer.next_index()
    if track.readyState != "live":  # stopped while waiting
        raise MediaStreamError
    return index


class SyntheticVideoTrack(MediaStreamTrack):
    """A labelled, stamped, moving test pattern in yuv420p, paced in real time at `fps`."""

    kind = "video"

    def __init__(
        self,
        label: str,
        width: int = 640,
        height: int = 360,
        fps: int = 30,
        clock: Clock = time.time,
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if width % 2 or height % 2 or width < 160 or height < 90 or fps <= 0:
            raise ValueError(f"synthetic video needs even sizes >= 160x90: {width}x{height}@{fps}")
        super().__init__()
        self.label, self.width, self.height, self.fps = label, width, height, fps
        self._clock = clock
        self._pattern = _TestPattern(label, width, height)
        self._pacer = _Pacer(Fraction(1, fps), clock, sleep)

    async def recv(self) -> VideoFrame:
        index = await _next_due(self, self._pacer)
        capture_ms = int(self._clock() * 1000) % CAPTURE_MS_MODULO
        frame = self._pattern.render(index, VideoStamp(index, capture_ms))
        frame.pts = index * VIDEO_CLOCK_RATE // self.fps
        frame.time_base = VIDEO_TIME_BASE
        return frame


class SyntheticAudioTrack(MediaStreamTrack):
    """48 kHz mono s16 audio in 20 ms frames from a prepared buffer, paced in real time.

    Build it with `tone()` or `from_wav()`. `tap`, when set, is called with every frame produced;
    an exception in it is logged and the track carries on.
    """

    kind = "audio"

    def __init__(
        self,
        samples: npt.NDArray[np.int16],
        *,
        loop: bool = True,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__()
        self._samples = np.ascontiguousarray(samples, dtype=np.int16).ravel()
        self._looping = loop  # not `_loop`: the event emitter base class owns that name
        self._position = 0
        self._pacer = _Pacer(Fraction(AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE), clock, sleep)
        self.tap: AudioTap | None = None

    @classmethod
    def tone(
        cls,
        frequency_hz: float = 440.0,
        pattern: tuple[float, float] = (0.4, 0.6),
        *,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> SyntheticAudioTrack:
        """A tone for pattern[0] seconds, then silence for pattern[1] seconds, repeating."""
        on_s, off_s = pattern
        if not 0 < frequency_hz < AUDIO_SAMPLE_RATE / 2 or min(pattern) < 0 or on_s + off_s <= 0:
            raise ValueError(f"bad tone: {frequency_hz} Hz, pattern {pattern}")
        on = round(on_s * AUDIO_SAMPLE_RATE)
        wave_ = np.zeros(on + round(off_s * AUDIO_SAMPLE_RATE))
        wave_[:on] = np.sin(2 * np.pi * frequency_hz * np.arange(on) / AUDIO_SAMPLE_RATE)
        fade = min(on // 2, AUDIO_SAMPLE_RATE // 200)  # 5 ms ramps, so the bursts do not click
        if off_s > 0 and fade > 0:
            ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
            wave_[:fade] *= ramp
            wave_[on - fade : on] *= ramp[::-1]
        return cls(
            np.round(wave_ * 0.25 * 32767).astype(np.int16), loop=True, clock=clock, sleep=sleep
        )

    @classmethod
    def from_wav(
        cls,
        path: Path,
        loop: bool = True,
        *,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
    ) -> SyntheticAudioTrack:
        """Play a 16-bit PCM WAV file (any rate, mono or stereo), looping or then silence.

        Raises MediaError, with a sentence a user can read, if the file cannot be used.
        """
        return cls(_read_wav_48k_mono(path), loop=loop, clock=clock, sleep=sleep)

    async def recv(self) -> AudioFrame:
        index = await _next_due(self, self._pacer)
        frame = AudioFrame(format="s16", layout="mono", samples=AUDIO_FRAME_SAMPLES)
        plane = memoryview(frame.planes[0])
        self._fill(np.frombuffer(plane, dtype=np.int16, count=AUDIO_FRAME_SAMPLES))
        frame.pts = index * AUDIO_FRAME_SAMPLES
        frame.sample_rate = AUDIO_SAMPLE_RATE
        frame.time_base = AUDIO_TIME_BASE
        if self.tap is not None:
            try:
                self.tap(frame)
            except Exception:
                logger.exception("an audio tap failed; the synthetic track carries on")
        return frame

    def _fill(self, out: npt.NDArray[np.int16]) -> None:
        source, filled = self._samples, 0
        while filled < len(out) and self._position < len(source):
            count = min(len(out) - filled, len(source) - self._position)
            out[filled : filled + count] = source[self._position : self._position + count]
            filled += count
            self._position += count
            if self._position == len(source) and self._looping:
                self._position = 0
        out[filled:] = 0


def _read_wav_48k_mono(path: Path) -> npt.NDArray[np.int16]:
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width = wav.getnchannels(), wav.getsampwidth()
            rate, data = wav.getframerate(), wav.readframes(wav.getnframes())
    except FileNotFoundError:
        raise MediaError(f"The audio file {path} does not exist.") from None
    except (OSError, EOFError, wave.Error) as exc:
        raise MediaError(f"The audio file {path} is not a readable WAV file ({exc}).") from exc
    if width != 2 or channels not in (1, 2):
        raise MediaError(
            f"The audio file {path} is {8 * width}-bit with {channels} channels; "
            "only 16-bit mono or stereo WAV files can be played."
        )
    whole = len(data) // (2 * channels) * 2 * channels  # a truncated file may end mid-frame
    samples = np.frombuffer(data[:whole], dtype="<i2").reshape(-1, channels)
    if len(samples) == 0:
        raise MediaError(f"The audio file {path} contains no audio.")
    mono: npt.NDArray[np.int16] = samples.mean(axis=1).round().astype(np.int16)
    if rate == AUDIO_SAMPLE_RATE:
        return mono
    source = AudioFrame.from_ndarray(mono.reshape(1, -1), format="s16", layout="mono")
    source.sample_rate = rate
    resampler = AudioResampler(format="s16", layout="mono", rate=AUDIO_SAMPLE_RATE)
    frames = resampler.resample(source) + resampler.resample(None)
    return np.concatenate([f.to_ndarray().ravel() for f in frames]).astype(np.int16)
