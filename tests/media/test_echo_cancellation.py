"""Echo cancellation on a synthetic echo path with espeak-ng speech: the echo goes, the near
end stays. Bounds are set below what pywebrtc-audio reaches here (34.7 dB ERLE, correlation
0.985 in the near-end-only part, 0.68 in double talk), with margin."""

from __future__ import annotations

import pytest

from tests.media.speech import (
    echo_scene,
    erle_db,
    have_espeak,
    near_end_kept,
    processing_delay,
    run_blocks,
)
from visio_desktop.media.audio_processing import ProcessingOptions, WebRtcProcessor

pytestmark = pytest.mark.skipif(not have_espeak(), reason="espeak-ng makes the test speech")


@pytest.mark.parametrize("delay_ms", [40, 80])
def test_echo_is_removed_and_near_end_speech_kept(delay_ms: int) -> None:
    scene = echo_scene(delay_ms=delay_ms)
    out = run_blocks(WebRtcProcessor(ProcessingOptions(auto_gain=False)), scene.mic, scene.far)

    assert erle_db(scene.mic, out, scene.echo_only) >= 25.0

    lag = processing_delay(out, scene.near, scene.near_only)
    ratio_db, correlation = near_end_kept(out, scene.near, scene.near_only, lag)
    assert abs(ratio_db) <= 3.0
    assert correlation >= 0.9
    _, double_talk = near_end_kept(out, scene.near, scene.double_talk, lag)
    assert double_talk >= 0.5


def test_with_automatic_gain_the_echo_stays_far_below_the_voice() -> None:
    """The gain lifts echo residue and voice alike: compare them, not absolute levels."""
    scene = echo_scene(delay_ms=60)
    out = run_blocks(WebRtcProcessor(ProcessingOptions()), scene.mic, scene.far)
    lag = processing_delay(out, scene.near, scene.near_only)
    voice_gain_db, correlation = near_end_kept(out, scene.near, scene.near_only, lag)
    assert voice_gain_db > 3.0  # espeak at -6 dB is quiet: the gain lifts it
    assert erle_db(scene.mic, out, scene.echo_only) + voice_gain_db >= 25.0
    assert correlation >= 0.9
