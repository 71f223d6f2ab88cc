"""SwitchableTrack: swapping sources keeps timestamps increasing, pauses on None, refuses a
track of the other kind, and its stop() stops the current source."""

from __future__ import annotations

import asyncio

import pytest
from aiortc.mediastreams import MediaStreamError

from visio_desktop.media.switch import SwitchableTrack
from visio_desktop.media.synthetic import SyntheticAudioTrack, SyntheticVideoTrack

WAIT = 10.0


async def test_audio_timestamps_keep_increasing_across_sources() -> None:
    first, second = SyntheticAudioTrack.tone(440.0), SyntheticAudioTrack.tone(880.0)
    track = SwitchableTrack("audio", first)
    pts = [(await asyncio.wait_for(track.recv(), WAIT)).pts for _ in range(5)]
    old = track.replace(second)
    assert old is first
    old.stop()
    pts += [(await asyncio.wait_for(track.recv(), WAIT)).pts for _ in range(5)]
    assert pts == [960 * i for i in range(10)]  # the new source starts at 0, rebased
    track.stop()
    assert second.readyState == "ended"
    with pytest.raises(MediaStreamError):
        await track.recv()


async def test_none_pauses_until_a_source_comes() -> None:
    track = SwitchableTrack("video")
    pending = asyncio.ensure_future(track.recv())
    await asyncio.sleep(0)  # let recv start waiting (ordering, not timing)
    assert not pending.done()
    track.replace(SyntheticVideoTrack("later", fps=30))
    frame = await asyncio.wait_for(pending, WAIT)
    assert frame.pts == 0
    track.stop()


def test_a_track_of_the_other_kind_is_refused() -> None:
    track = SwitchableTrack("video")
    with pytest.raises(ValueError, match="audio"):
        track.replace(SyntheticAudioTrack.tone())
