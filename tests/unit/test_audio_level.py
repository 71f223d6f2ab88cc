"""The audio level in each packet's header extension: numpy's figure is aiortc's, exactly, on
speech, silence, full scale and packed stereo; worked out once per frame object."""

from __future__ import annotations

import numpy as np
import pytest
from aiortc import rtp
from av import AudioFrame

from visio_desktop.rtc.audio_level import (
    AIORTC_AUDIO_LEVEL,
    audio_level_dbov,
    use_fast_audio_level,
)

RNG = np.random.default_rng(6465)


def frame_of(samples: np.ndarray, layout: str = "mono") -> AudioFrame:
    frame = AudioFrame.from_ndarray(samples.reshape(1, -1).astype(np.int16), "s16", layout)
    frame.sample_rate = 48_000
    return frame


def speech(count: int, loudness: float) -> np.ndarray:
    t = np.arange(count) / 48_000
    voice = np.sin(2 * np.pi * 180 * t) + 0.5 * np.sin(2 * np.pi * 720 * t + 1.0)
    noise = RNG.normal(0, 0.05, count)
    return np.clip(loudness * 32767 * (voice + noise) / 1.6, -32768, 32767)


def cases() -> list[tuple[str, AudioFrame]]:
    found: list[tuple[str, AudioFrame]] = []
    for loudness in (1e-4, 1e-3, 0.01, 0.1, 0.5, 1.0):
        found.append((f"speech {loudness}", frame_of(speech(960, loudness))))
    for count in (160, 441, 480, 960, 1920):
        found.append((f"noise {count}", frame_of(RNG.integers(-32768, 32768, count))))
    found.append(("silence", frame_of(np.zeros(960))))
    found.append(("one LSB", frame_of(np.eye(1, 960, 17).ravel())))
    found.append(("full scale", frame_of(np.resize([32767, -32768], 960))))
    found.append(("most negative", frame_of(np.full(960, -32768))))
    found.append(("stereo speech", frame_of(np.repeat(speech(960, 0.3), 2), "stereo")))
    found.append(("stereo noise", frame_of(RNG.integers(-32768, 32768, 2 * 480), "stereo")))
    found.append(("stereo full scale", frame_of(np.full(2 * 960, 32767), "stereo")))
    return found


@pytest.mark.parametrize(("name", "frame"), cases(), ids=[name for name, _ in cases()])
def test_the_level_is_aiortcs(name: str, frame: AudioFrame) -> None:
    assert audio_level_dbov(frame) == AIORTC_AUDIO_LEVEL(frame)


def test_many_random_frames_agree() -> None:
    for _ in range(200):
        loudness = 10 ** RNG.uniform(-5, 0)
        layout = str(RNG.choice(["mono", "stereo"]))
        count = int(RNG.choice([480, 960])) * (2 if layout == "stereo" else 1)
        frame = frame_of(np.clip(RNG.normal(0, loudness * 32767, count), -32768, 32767), layout)
        assert audio_level_dbov(frame) == AIORTC_AUDIO_LEVEL(frame)


def test_each_frame_object_is_measured_once(monkeypatch: pytest.MonkeyPatch) -> None:
    loud, quiet = frame_of(speech(960, 0.5)), frame_of(speech(960, 0.001))
    reads = 0
    frombuffer = np.frombuffer

    def counted(*args: object, **kwargs: object) -> np.ndarray:
        nonlocal reads
        reads += 1
        return frombuffer(*args, **kwargs)  # type: ignore[call-overload,no-any-return]

    monkeypatch.setattr(np, "frombuffer", counted)
    levels = [audio_level_dbov(f) for f in (loud, loud, loud, quiet, quiet, loud)]
    assert reads == 3
    assert levels == [AIORTC_AUDIO_LEVEL(f) for f in (loud, loud, loud, quiet, quiet, loud)]


def test_aiortcs_senders_use_it_once_installed() -> None:
    use_fast_audio_level()
    use_fast_audio_level()
    assert rtp.compute_audio_level_dbov is audio_level_dbov
    assert AIORTC_AUDIO_LEVEL is not audio_level_dbov
