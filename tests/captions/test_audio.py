from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from visio_desktop.captions.audio import SAMPLE_RATE, Decimator, read_wav, to_float32
from visio_desktop.captions.errors import AudioInputError

from .speech import write_wav


def tone(frequency: float, seconds: float = 1.0, rate: int = 48_000) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (np.sin(2 * np.pi * frequency * t) * 16000).astype(np.int16)


def decimate(blocks: list[np.ndarray]) -> np.ndarray:
    decimator = Decimator.for_rate(48_000)
    return np.concatenate([decimator.process(block) for block in blocks])


def test_twenty_ms_blocks_of_48k_become_16k_and_keep_speech_band_level() -> None:
    signal = tone(440)
    out = decimate([signal[i : i + 960] for i in range(0, len(signal), 960)])
    assert len(out) == SAMPLE_RATE
    assert out.dtype == np.float32
    assert np.abs(out[200:]).max() == pytest.approx(16000 / 32768, rel=0.01)


def test_block_size_does_not_change_the_output() -> None:
    signal = tone(1000)
    by_960 = decimate([signal[i : i + 960] for i in range(0, len(signal), 960)])
    by_701 = decimate([signal[i : i + 701] for i in range(0, len(signal), 701)])
    assert np.allclose(by_960, by_701[: len(by_960)], atol=1e-6)


def test_frequencies_above_8k_do_not_fold_back() -> None:
    out = decimate([tone(12_000)])
    assert np.abs(out[200:]).max() < 1e-3


def test_to_float32_scales_int16_only() -> None:
    assert to_float32(np.array([-32768, 16384], np.int16)).tolist() == [-1.0, 0.5]
    assert to_float32(np.array([0.25], np.float64)).dtype == np.float32


def test_read_wav_resamples_to_16k(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", np.zeros(22_050, np.float32), rate=22_050)
    audio = read_wav(path)
    assert audio.dtype == np.float32
    assert abs(len(audio) - SAMPLE_RATE) < 64


@pytest.mark.parametrize("content", [b"", b"not a wav file at all", b"RIFF\x00\x00garbage"])
def test_unreadable_files_are_audio_input_errors(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioInputError, match=r"bad\.wav"):
        read_wav(path)


def test_missing_file_and_other_formats_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AudioInputError, match=r"missing\.wav"):
        read_wav(tmp_path / "missing.wav")
    flac = tmp_path / "a.flac"
    with av.open(str(flac), "w", format="flac") as container:
        stream = container.add_stream("flac", rate=16000, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 1600), np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 16000
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    with pytest.raises(AudioInputError, match="not a WAV file"):
        read_wav(flac)
