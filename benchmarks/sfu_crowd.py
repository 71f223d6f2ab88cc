"""The cheap crowd of the SFU benchmark: many LiveKit participants from one process.

Each participant is a `LiveKitConnection` (the product's own) that joins through our server's
REST API, as a client does, and publishes one camera track; none publishes audio and none
subscribes to anything. What makes the crowd cheap is that their video is encoded once: one
synthetic pattern (stamped like every synthetic frame) goes through one VP8 encoder, and the
same encoded frames are sent on every connection (aiortc packs pre-encoded packets as they
are). A keyframe comes every second, since a shared encoder cannot answer each subscriber's
keyframe request. The process prints one JSON line per participant published, then
`{"event": "ready"}`, and leaves the room when stdin closes or on SIGTERM.

    python benchmarks/sfu_crowd.py --url http://127.0.0.1:PORT --room abc-defg-hij --count 14
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import urllib.parse
import urllib.request
from fractions import Fraction
from typing import Any

import av
from aiortc.mediastreams import MediaStreamTrack
from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

from visio_desktop.media.synthetic import VIDEO_TIME_BASE, SyntheticVideoTrack
from visio_desktop.rtc.camera_encoder import wanted_bitrate
from visio_desktop.rtc.livekit.connection import LiveKitConnection
from visio_desktop.rtc.livekit.events import SignallingState


class Quiet:
    """SignalEvents that ignore everything: the crowd only publishes."""

    def participants_updated(self, participants: list[lm.ParticipantInfo]) -> None:
        return None

    def track_arrived(self, track_sid: str, track: MediaStreamTrack) -> None:
        return None

    def data_received(self, packet: lm.DataPacket) -> None:
        return None

    def signal_message(self, response: lr.SignalResponse) -> None:
        return None

    def signalling_changed(self, state: SignallingState) -> None:
        return None


class PacketTrack(MediaStreamTrack):
    """A video track that hands on already encoded VP8 packets, the newest one first."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self._queue: asyncio.Queue[av.Packet[Any]] = asyncio.Queue(maxsize=2)

    def offer(self, packet: av.Packet[Any]) -> None:
        if self._queue.full():  # a slow connection skips frames, never delays the others
            self._queue.get_nowait()
        self._queue.put_nowait(packet)

    async def recv(self) -> av.Packet[Any]:
        return await self._queue.get()


class SharedEncoder:
    """One synthetic pattern, encoded once, fanned out to every PacketTrack."""

    def __init__(self, width: int, height: int, fps: int) -> None:
        self.source = SyntheticVideoTrack("Crowd", width, height, fps)
        self.tracks: list[PacketTrack] = []
        codec = av.CodecContext.create("libvpx", "w")
        codec.width, codec.height = width, height
        codec.pix_fmt = "yuv420p"
        codec.thread_count = 1  # libvpx's row threads spin-wait: costly on a busy machine
        codec.bit_rate = wanted_bitrate(width, height)  # what our camera encoder aims at
        codec.framerate = Fraction(fps, 1)
        codec.time_base = VIDEO_TIME_BASE  # the pattern's own: its pts are in 1/90000 s
        codec.gop_size = fps  # a keyframe each second: subscribers cannot ask this encoder
        codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
        self.codec = codec

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        started, sent = loop.time(), 0
        while True:
            frame = await self.source.recv()
            packets = await loop.run_in_executor(None, self.codec.encode, frame)
            for packet in packets:
                packet.pts, packet.time_base = frame.pts, VIDEO_TIME_BASE
                sent += packet.size
                for track in self.tracks:
                    track.offer(packet)
            if (now := loop.time()) - started >= 10:  # the encoder's rate, for the record
                print(
                    f"crowd encoder: {sent * 8 / (now - started) / 1000:.0f} kbit/s",
                    file=sys.stderr,
                )
                started, sent = now, 0


def grant(url: str, room: str, name: str) -> tuple[str, str]:
    """LiveKit's URL and a token for `name`, from our server's REST API."""
    query = urllib.parse.urlencode({"username": name})
    with urllib.request.urlopen(f"{url}/api/v1.0/rooms/{room}/?{query}", timeout=10) as answer:
        livekit: dict[str, Any] = json.loads(answer.read())["livekit"]
    return str(livekit["url"]), str(livekit["token"])


async def crowd(args: argparse.Namespace) -> None:
    width, height = (int(v) for v in args.video_size.split("x"))
    encoder = SharedEncoder(width, height, args.fps)
    connections: list[LiveKitConnection] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    stdin = sys.stdin.fileno()

    def read_stdin() -> None:
        if not os.read(stdin, 4096):  # closed: the benchmark is done with us
            stop.set()

    loop.add_reader(stdin, read_stdin)
    encoding = asyncio.ensure_future(encoder.run())
    try:
        for n in range(args.count):
            name = f"Crowd {n + 1}"
            livekit_url, token = await loop.run_in_executor(None, grant, args.url, args.room, name)
            connection = LiveKitConnection(Quiet())
            connections.append(connection)
            join = await connection.connect(livekit_url, token)
            track = PacketTrack()
            encoder.tracks.append(track)
            await connection.publish(
                "camera", track, lm.TrackSource.CAMERA, width=width, height=height
            )
            line = {"event": "published", "name": name, "identity": join.participant.identity}
            print(json.dumps(line), flush=True)
        print(json.dumps({"event": "ready"}), flush=True)
        await stop.wait()
    finally:
        encoding.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await encoding
        await asyncio.gather(*(c.close() for c in connections), return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="our server's base URL")
    parser.add_argument("--room", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--video-size", default="640x360")
    parser.add_argument("--fps", type=int, default=30)
    asyncio.run(crowd(parser.parse_args()))


if __name__ == "__main__":
    main()
