"""A participant made with our `LiveKitConnection` (aiortc), run by the interop tests as a
subprocess inside their network namespace, beside LiveKit's own SDK.

    python -m tests.livekit.aiortc_participant URL TOKEN ADDRESS

aiortc gathers exactly ADDRESS (the namespace's address): aioice's host address listing is
replaced in this process only, as `rtc.ice.gather_loopback_only` does for 127.0.0.1.

It publishes our synthetic camera (320x180, 15 fps, stamped frames) and a tone, subscribes to
everyone, and prints JSON lines on stdout, the same as sdk_participant.py where they overlap:
`ready`, `joined`, `track` (`mime`: the codec its publisher sends, as LiveKit says;
`negotiated`: those aiortc agreed on), `stats` twice a second (per
identity: video and audio frames decoded, audible audio frames, the video size), and the data
packets it receives (`data` for user packets, `chat` for `lk.chat` text streams, `stream` for
other text streams such as `lk.transcription` with their attributes, `transcription` packets,
`attributes` when a participant's attributes change). Commands on stdin: `{"command": "view",
"sid", "width", "height"}` (ask for a track at that size), `{"command": "data", "payload",
"topic"}` (a user packet) and `{"command": "leave"}` (or the
end of stdin).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import sys
import threading
import zlib
from dataclasses import dataclass, field
from typing import Any

import aioice.ice
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, VideoFrame
from livekit.protocol import models as lm
from livekit.protocol import rtc as lr

from visio_desktop.media.synthetic import SyntheticAudioTrack, SyntheticVideoTrack
from visio_desktop.rtc.livekit.connection import LiveKitConnection, SignallingState

WIDTH, HEIGHT, FPS = 320, 180, 15
AUDIBLE_RMS = 100.0
STATS_EVERY = 0.5
_CHAT_TOPIC = "lk.chat"


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


@dataclass
class Received:
    video: int = 0
    audio: int = 0
    audible: int = 0
    size: list[int] = field(default_factory=lambda: [0, 0])


@dataclass
class Stream:
    """A text stream being received: LiveKit's chat is one per message, and so are the
    captions of `lk.transcription`."""

    sender: str
    topic: str
    compression: int
    attributes: dict[str, str]
    chunks: list[bytes] = field(default_factory=list)

    def text(self) -> str:
        data = b"".join(self.chunks)
        if self.compression == lm.DataStream.CompressionType.DEFLATE_RAW:
            data = zlib.decompress(data, -15)
        return data.decode("utf-8", "replace")

    def shape(self) -> dict[str, Any]:
        return {
            "compression": lm.DataStream.CompressionType.Name(self.compression),
            "chunks": len(self.chunks),
        }


class Recorder:
    """The SignalEvents of our connection: counts media, prints what arrives."""

    def __init__(self) -> None:
        self.connection: LiveKitConnection | None = None
        self.owners: dict[str, lm.TrackInfo] = {}  # track sid -> its publisher and codec
        self.identities: dict[str, str] = {}  # track sid -> identity
        self.attributes: dict[str, dict[str, str]] = {}
        self.received: dict[str, Received] = {}
        self.streams: dict[str, Stream] = {}  # by stream id
        self.tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def participants_updated(self, participants: list[lm.ParticipantInfo]) -> None:
        me = (
            self.connection.join.participant.identity
            if self.connection and self.connection.join
            else ""
        )
        for participant in participants:
            identity = participant.identity
            if identity == me:
                continue
            if participant.state == lm.ParticipantInfo.State.DISCONNECTED:
                if self.attributes.pop(identity, None) is not None:
                    emit("left", identity=identity)
                continue
            if identity not in self.attributes:
                self.attributes[identity] = {}
                emit("joined", identity=identity)
            for track in participant.tracks:
                self.owners[track.sid] = track
                self.identities[track.sid] = identity
            new = dict(participant.attributes)
            old = self.attributes[identity]
            changed = {k: new.get(k, "") for k in set(new) | set(old) if new.get(k) != old.get(k)}
            self.attributes[identity] = new
            if changed:
                emit("attributes", **{"from": identity}, changed=changed)

    def track_arrived(self, track_sid: str, track: MediaStreamTrack) -> None:
        identity = self.identities.get(track_sid, "")
        info = self.owners.get(track_sid)
        counts = self.received.setdefault(identity, Received())
        emit(
            "track",
            **{"from": identity},
            kind=track.kind,
            sid=track_sid,
            mime=info.mime_type if info else "",
            negotiated=self._codecs_of(track),
        )
        self.spawn(self._count(track, counts))

    def _codecs_of(self, track: MediaStreamTrack) -> list[str]:
        """The codecs aiortc agreed on for `track`, LiveKit's preference first; LiveKit sends
        the one the publisher sends (`mime`), as long as it is among them."""
        if self.connection is None:
            return []
        for transceiver in self.connection.subscriber.getTransceivers():
            if transceiver.receiver.track is track:
                return [str(codec.mimeType) for codec in transceiver._codecs]
        return []

    async def _count(self, track: MediaStreamTrack, counts: Received) -> None:
        try:
            while True:
                frame = await track.recv()
                if isinstance(frame, VideoFrame):
                    counts.video += 1
                    counts.size = [frame.width, frame.height]
                elif isinstance(frame, AudioFrame):
                    counts.audio += 1
                    samples = frame.to_ndarray().astype(np.float64)
                    if samples.size and math.sqrt(float(np.mean(samples**2))) > AUDIBLE_RMS:
                        counts.audible += 1
        except MediaStreamError:
            return

    def data_received(self, packet: lm.DataPacket) -> None:
        sender = packet.participant_identity
        kind = packet.WhichOneof("value")
        if os.environ.get("INTEROP_DEBUG"):
            emit("packet", kind=kind)
        if kind == "user":
            payload = packet.user.payload.decode("utf-8", "replace")
            emit("data", **{"from": sender}, topic=packet.user.topic, payload=payload)
        elif kind == "transcription":
            transcription = packet.transcription
            emit(
                "transcription",
                **{"from": transcription.transcribed_participant_identity},
                track=transcription.track_id,
                segments=[
                    {"id": s.id, "text": s.text, "final": s.final} for s in transcription.segments
                ],
            )
        elif kind == "stream_header":
            header = packet.stream_header
            stream = Stream(sender, header.topic, header.compression, dict(header.attributes))
            self.streams[header.stream_id] = stream
            if header.inline_content:
                stream.chunks.append(header.inline_content)
        elif kind == "stream_chunk" and packet.stream_chunk.stream_id in self.streams:
            self.streams[packet.stream_chunk.stream_id].chunks.append(packet.stream_chunk.content)
        elif kind == "stream_trailer" and packet.stream_trailer.stream_id in self.streams:
            stream = self.streams.pop(packet.stream_trailer.stream_id)
            if stream.topic == _CHAT_TOPIC:
                emit("chat", **{"from": stream.sender}, text=stream.text(), shape=stream.shape())
            else:
                emit(
                    "stream",
                    **{"from": stream.sender},
                    topic=stream.topic,
                    attributes=stream.attributes,
                    text=stream.text(),
                )

    def signal_message(self, response: lr.SignalResponse) -> None:
        if os.environ.get("INTEROP_DEBUG"):
            emit("signal", kind=response.WhichOneof("message"))

    def signalling_changed(self, state: SignallingState) -> None:
        emit("signalling", state=str(state))

    async def report(self) -> None:
        while True:
            await asyncio.sleep(STATS_EVERY)  # a heartbeat, not a synchronisation
            emit("stats", received={who: vars(c) for who, c in self.received.items()})


def _only(address: str) -> Any:
    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [address] if use_ipv4 else []

    return host_addresses


def _commands() -> asyncio.Queue[Any]:
    """Commands read from stdin (JSON lines), None at its end."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            if line.strip():
                loop.call_soon_threadsafe(queue.put_nowait, json.loads(line))
        loop.call_soon_threadsafe(queue.put_nowait, None)

    # A daemon thread: a blocked read must not keep the process alive once it has left.
    threading.Thread(target=read, daemon=True).start()
    return queue


async def _obey(connection: LiveKitConnection) -> None:
    """Carry out commands until `leave` or the end of stdin: `view` asks LiveKit for a track
    at a size (`sid`, `width`, `height`), as our media plane does for a tile on screen; `data`
    sends a user packet (`payload`, `topic`) on the reliable channel."""
    commands = _commands()
    while (command := await commands.get()) is not None:
        name = command.get("command")
        if name == "leave":
            return
        if name == "view":
            await connection.track_settings(command["sid"], command["width"], command["height"])
            emit("done", command=name)
        elif name == "data":
            payload = command["payload"]
            text = payload if isinstance(payload, str) else json.dumps(payload)
            user = lm.UserPacket(payload=text.encode(), topic=str(command.get("topic", "")))
            connection.send_data(lm.DataPacket(kind=lm.DataPacket.Kind.RELIABLE, user=user))
            emit("done", command=name)
        else:
            emit("error", command=name, reason="unknown command")


async def main(url: str, token: str, address: str) -> None:
    if os.environ.get("INTEROP_DEBUG"):
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    setattr(aioice.ice, "get_host_addresses", _only(address))  # noqa: B010 - in this process only
    recorder = Recorder()
    connection = LiveKitConnection(recorder)
    recorder.connection = connection
    for side, pc in (("publisher", connection.publisher), ("subscriber", connection.subscriber)):

        def changed(side: str = side, pc: Any = pc) -> None:
            emit("ice", side=side, state=pc.iceConnectionState, dtls=pc.connectionState)

        pc.on("iceconnectionstatechange", changed)
        pc.on("connectionstatechange", changed)
    join = await connection.connect(url, token, auto_subscribe=True)
    video_sid = await connection.publish(
        "camera",
        SyntheticVideoTrack(join.participant.identity, WIDTH, HEIGHT, FPS),
        lm.TrackSource.CAMERA,
        width=WIDTH,
        height=HEIGHT,
    )
    audio_sid = await connection.publish(
        "microphone", SyntheticAudioTrack.tone(), lm.TrackSource.MICROPHONE
    )
    emit("ready", identity=join.participant.identity, video_sid=video_sid, audio_sid=audio_sid)
    recorder.spawn(recorder.report())
    try:
        await _obey(connection)
    finally:
        for task in list(recorder.tasks):
            task.cancel()
        await connection.close()
        emit("left-room")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
