"""The microphone encoded once for several peers: every peer's encoder hands out the same
packets and timestamps as one encoder alone would, libopus runs once per frame whatever the
order and threads the peers come in, FEC follows the weakest peer still there, and a frame
older than one encoded already is not encoded into the shared stream."""

from __future__ import annotations

import gc
import random
import threading

import numpy as np
from av import AudioFrame

from visio_desktop.rtc import opus
from visio_desktop.rtc.opus_sender import LOSS_FLOOR, OpusFecEncoder
from visio_desktop.rtc.shared_opus import (
    CACHED_FRAMES,
    PeerOpusEncoder,
    SharedOpusEncode,
)

Encoded = tuple[list[bytes], int]


def frames(count: int, start: int = 0) -> list[AudioFrame]:
    """20 ms mono frames at 48 kHz, a tone with bursts of silence (DTX), pts in samples."""
    made = []
    for index in range(start, start + count):
        t = (index * 960 + np.arange(960)) / 48_000
        loud = 0.0 if index % 50 >= 20 else 0.3
        samples = (loud * 32767 * np.sin(2 * np.pi * (200 + index % 7 * 40) * t)).astype(np.int16)
        frame = AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts = 48_000, index * 960
        made.append(frame)
    return made


def alone(sequence: list[AudioFrame]) -> list[Encoded]:
    """What one encoder of its own makes of `sequence`, with no loss reported."""
    encoder = OpusFecEncoder()
    return [encoder.encode(frame) for frame in sequence]


def test_interleaved_peers_get_the_same_stream_from_one_encode(libopus_encodes: list[int]) -> None:
    sequence = frames(60)
    expected = alone(sequence)
    libopus_encodes.clear()
    shared = SharedOpusEncode()
    peers = [PeerOpusEncoder(shared) for _ in range(3)]
    got: list[list[Encoded]] = [[], [], []]
    order = random.Random(4)
    for frame in sequence:
        for index in order.sample(range(3), 3):
            got[index].append(peers[index].encode(frame, False))
    assert got[0] == got[1] == got[2] == expected
    assert libopus_encodes == [opus.FRAME_SAMPLES] * len(sequence)  # once per frame
    assert shared.packets + shared.dtx_frames == len(sequence) and shared.dtx_frames > 0
    assert [timestamp for _, timestamp in got[0]] == [i * 960 for i in range(len(sequence))]


def test_a_peer_running_a_few_frames_behind_still_gets_every_packet(
    libopus_encodes: list[int],
) -> None:
    sequence = frames(40)
    expected = alone(sequence)
    libopus_encodes.clear()
    shared = SharedOpusEncode()
    ahead, behind = PeerOpusEncoder(shared), PeerOpusEncoder(shared)
    lag = CACHED_FRAMES // 2
    out_ahead = [ahead.encode(frame) for frame in sequence[:lag]]
    out_behind = []
    for index, frame in enumerate(sequence[lag:]):
        out_ahead.append(ahead.encode(frame))
        out_behind.append(behind.encode(sequence[index]))  # from the cache
    out_behind += [behind.encode(frame) for frame in sequence[-lag:]]
    assert out_ahead == out_behind == expected
    assert len(libopus_encodes) == len(sequence)


def test_fec_protects_the_weakest_peer_still_there() -> None:
    shared = SharedOpusEncode()
    peers = [PeerOpusEncoder(shared) for _ in range(3)]
    assert shared.loss_percent == LOSS_FLOOR
    for index, fraction in enumerate((0.02, 0.20, 0.08)):
        for _ in range(8):
            peers[index].loss.on_report(fraction)
    assert shared.loss_percent == max(peer.loss.percent for peer in peers) == 20
    shared.encode(frames(1)[0])
    assert shared.encoder._opus.loss_percent == 20  # what libopus was told

    peers[1].leave()  # the mesh removed that participant
    assert shared.loss_percent == peers[2].loss.percent == 8
    shared.encode(frames(1, start=1)[0])
    assert shared.encoder._opus.loss_percent == 8

    del peers[2]  # dropped without leaving (a closed sender): it stops counting too
    gc.collect()
    assert shared.loss_percent == peers[0].loss.percent == 2
    peers[0].leave()
    assert shared.loss_percent == LOSS_FLOOR


def test_a_late_frame_no_longer_cached_is_not_encoded_again(libopus_encodes: list[int]) -> None:
    shared = SharedOpusEncode()
    first, late = PeerOpusEncoder(shared), PeerOpusEncoder(shared)
    sequence = frames(CACHED_FRAMES + 50)  # over a second
    for frame in sequence:
        first.encode(frame)
    encoded, stamp = len(libopus_encodes), shared.encoder._timestamp
    evicted = sequence[-CACHED_FRAMES - 4]  # 0.4 s back
    assert late.encode(evicted) == ([], 0)  # nothing to send
    assert late.encode(sequence[-1]) == first.encode(sequence[-1])  # cached: the same
    skipped = frames(1, start=len(sequence) - 3)[0]  # never encoded, older than the newest
    assert late.encode(skipped) == ([], 0)
    assert len(libopus_encodes) == encoded and shared.encoder._timestamp == stamp
    assert shared.late == 2

    # A pts a second or more back, or after restart_clock: a new source, encoded.
    assert late.encode(frames(1, start=0)[0])[1] == stamp
    shared.restart_clock()
    assert late.encode(frames(1, start=1)[0])[1] == stamp + 960
    assert len(libopus_encodes) == encoded + 2


def test_peers_in_threads_share_one_consistent_stream(libopus_encodes: list[int]) -> None:
    sequence = frames(150)
    expected = alone(sequence)
    libopus_encodes.clear()
    shared = SharedOpusEncode()
    peers = [PeerOpusEncoder(shared) for _ in range(3)]
    together = threading.Barrier(3, timeout=30)  # each frame reaches every sender at once
    got: list[list[Encoded]] = [[], [], []]
    failures: list[BaseException] = []

    def sender(index: int) -> None:
        try:
            for frame in sequence:
                together.wait()
                got[index].append(peers[index].encode(frame))
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)
            together.abort()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures and not any(thread.is_alive() for thread in threads)
    assert got[0] == got[1] == got[2] == expected
    assert len(libopus_encodes) == len(sequence) and shared.late == 0
