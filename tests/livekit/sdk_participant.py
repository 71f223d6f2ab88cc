"""A participant made with LiveKit's own client SDK (the `livekit` package, Google's libwebrtc
inside), as the Visio web app joins: run as a subprocess by the interop tests, inside their
network namespace (libwebrtc gathers no loopback candidates).

    python sdk_participant.py URL TOKEN [WIDTHxHEIGHT [CODEC]]

It publishes a moving test pattern (320x180 unless told, 15 fps, in VP8 unless told: H264,
VP9, AV1; the SDK simulcasts it in the layers its size calls for, as the web app does) and a
440 Hz tone, subscribes to everyone, and prints JSON lines on stdout:

- `{"event": "ready", "identity", "video_sid", "audio_sid"}` once joined and publishing;
- `{"event": "joined" | "left", "identity"}` for the others;
- `{"event": "track", "from", "kind", "sid", "mime"}` per subscribed track;
- `{"event": "stats", "received": {identity: {"video": n, "audio": n, "audible": n,
  "size": [w, h]}}}` twice a second (audible: audio frames that carry sound, not silence);
- `{"event": "chat", "from", "text"}` for `lk.chat` text streams; `{"event": "stream", "from",
  "topic", "attributes", "text"}` for `lk.transcription` ones (captions as agents send them);
- `{"event": "attributes", "from", "changed"}`; `{"event": "data", "from", "topic",
  "payload"}`; `{"event": "transcription", "from", "track", "segments": [{id, text, final}]}`;
- `{"event": "done", "command"}` after each command, `{"event": "error", ...}` on failure.

Commands arrive on stdin as JSON lines: `{"command": "chat", "text"}`, `{"command": "hand",
"raised": bool}` (the `handRaisedAt` attribute), `{"command": "data", "payload", "topic"}`,
`{"command": "transcription", "text", "final"}` (a caption for its own microphone, as a
Transcription packet), `{"command": "caption_stream", "text", "final"}` (the same as an
`lk.transcription` text stream), `{"command": "mute", "kind": "video" | "audio", "muted"}`,
`{"command": "screen"}` (share a screen, 640x360) and
`{"command": "leave"}`. End of input also leaves.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from livekit import rtc

FPS = 15
SAMPLE_RATE, FRAME_SAMPLES = 48_000, 480  # 10 ms
TONE_HZ = 440.0
AUDIBLE_RMS = 100.0  # int16 samples; our tones are thousands, silence is 0
STATS_EVERY = 0.5


def emit(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


@dataclass
class Received:
    video: int = 0
    audio: int = 0
    audible: int = 0
    size: list[int] = field(default_factory=lambda: [0, 0])


class Participant:
    def __init__(self, width: int, height: int, codec: str) -> None:
        self.width, self.height = width, height
        self.codec = rtc.VideoCodec.Value(codec)
        self.room = rtc.Room()
        self.received: dict[str, Received] = {}
        self.audio_sid = ""
        self.tracks: dict[str, rtc.LocalVideoTrack | rtc.LocalAudioTrack] = {}
        self.tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # -- what arrives -------------------------------------------------------------------------

    def listen(self) -> None:
        room = self.room

        @room.on("participant_connected")
        def joined(participant: rtc.RemoteParticipant) -> None:
            emit("joined", identity=participant.identity)

        @room.on("participant_disconnected")
        def left(participant: rtc.RemoteParticipant) -> None:
            emit("left", identity=participant.identity)

        @room.on("track_subscribed")
        def subscribed(
            track: rtc.Track,
            publication: rtc.RemoteTrackPublication,
            participant: rtc.RemoteParticipant,
        ) -> None:
            kind = "video" if track.kind == rtc.TrackKind.KIND_VIDEO else "audio"
            emit(
                "track",
                **{"from": participant.identity},
                kind=kind,
                sid=publication.sid,
                mime=publication.mime_type,
            )
            counts = self.received.setdefault(participant.identity, Received())
            if kind == "video":
                self.spawn(self.count_video(track, counts))
            else:
                self.spawn(self.count_audio(track, counts))

        @room.on("participant_attributes_changed")
        def attributes(changed: dict[str, str], participant: rtc.Participant) -> None:
            emit("attributes", **{"from": participant.identity}, changed=changed)

        @room.on("data_received")
        def data(packet: rtc.DataPacket) -> None:
            sender = packet.participant.identity if packet.participant else ""
            payload = packet.data.decode("utf-8", "replace")
            emit("data", **{"from": sender}, topic=packet.topic or "", payload=payload)

        @room.on("transcription_received")
        def transcription(
            segments: list[rtc.TranscriptionSegment],
            participant: rtc.Participant | None,
            publication: rtc.TrackPublication | None,
        ) -> None:
            emit(
                "transcription",
                **{"from": participant.identity if participant else ""},
                track=publication.sid if publication else "",
                segments=[{"id": s.id, "text": s.text, "final": s.final} for s in segments],
            )

        def chat(reader: rtc.TextStreamReader, identity: str) -> None:
            self.spawn(self.read_chat(reader, identity))

        def caption(reader: rtc.TextStreamReader, identity: str) -> None:
            self.spawn(self.read_caption(reader, identity))

        room.register_text_stream_handler("lk.chat", chat)
        room.register_text_stream_handler("lk.transcription", caption)

    async def read_chat(self, reader: rtc.TextStreamReader, identity: str) -> None:
        emit("chat", **{"from": identity}, text=await reader.read_all())

    async def read_caption(self, reader: rtc.TextStreamReader, identity: str) -> None:
        attributes = dict(reader.info.attributes or {})
        text = await reader.read_all()
        emit(
            "stream",
            **{"from": identity},
            topic="lk.transcription",
            attributes=attributes,
            text=text,
        )

    async def count_video(self, track: rtc.Track, counts: Received) -> None:
        async for event in rtc.VideoStream(track):
            counts.video += 1
            counts.size = [event.frame.width, event.frame.height]

    async def count_audio(self, track: rtc.Track, counts: Received) -> None:
        async for event in rtc.AudioStream(track, sample_rate=SAMPLE_RATE, num_channels=1):
            counts.audio += 1
            samples = np.frombuffer(event.frame.data, dtype=np.int16).astype(np.float64)
            if samples.size and math.sqrt(float(np.mean(samples**2))) > AUDIBLE_RMS:
                counts.audible += 1

    async def report(self) -> None:
        while True:
            await asyncio.sleep(STATS_EVERY)  # a heartbeat, not a synchronisation
            received = {who: vars(counts) for who, counts in self.received.items()}
            emit("stats", received=received)

    # -- what we send -------------------------------------------------------------------------

    async def publish(self) -> tuple[str, str]:
        video = rtc.VideoSource(self.width, self.height)
        camera = rtc.LocalVideoTrack.create_video_track("camera", video)
        options = rtc.TrackPublishOptions(
            source=rtc.TrackSource.SOURCE_CAMERA, video_codec=self.codec
        )
        video_pub = await self.room.local_participant.publish_track(camera, options)
        audio = rtc.AudioSource(SAMPLE_RATE, 1)
        microphone = rtc.LocalAudioTrack.create_audio_track("microphone", audio)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        audio_pub = await self.room.local_participant.publish_track(microphone, options)
        self.spawn(self.film(video, self.width, self.height))
        self.spawn(self.play(audio))
        self.audio_sid = audio_pub.sid
        self.tracks = {"video": camera, "audio": microphone}
        return video_pub.sid, audio_pub.sid

    async def share_screen(self) -> None:
        """Share a 'screen' (the same pattern, as screen content) as the web app shares one."""
        width, height = 640, 360
        source = rtc.VideoSource(width, height, is_screencast=True)
        screen = rtc.LocalVideoTrack.create_video_track("screen", source)
        options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_SCREENSHARE)
        await self.room.local_participant.publish_track(screen, options)
        self.spawn(self.film(source, width, height))

    async def film(self, source: rtc.VideoSource, width: int, height: int) -> None:
        """A bright bar sweeping across a grey gradient, at FPS frames a second."""
        columns = np.arange(width, dtype=np.uint32)
        base = np.zeros((height, width, 4), dtype=np.uint8)
        base[:, :, :3] = (columns * 200 // width).astype(np.uint8)[None, :, None]
        base[:, :, 3] = 255
        start = time.monotonic()
        number = 0
        while True:
            frame = base.copy()
            left = (number * 8) % width
            frame[:, left : left + 24, 0] = 255
            frame[:, left : left + 24, 1] = 220
            source.capture_frame(
                rtc.VideoFrame(width, height, rtc.VideoBufferType.RGBA, frame.tobytes())
            )
            number += 1
            # Pace to the frame rate (a clock, not a synchronisation).
            await asyncio.sleep(max(0.0, start + number / FPS - time.monotonic()))

    async def play(self, source: rtc.AudioSource) -> None:
        """A 440 Hz tone; capture_frame paces itself to real time."""
        phase = 0
        step = np.arange(FRAME_SAMPLES)
        while True:
            t = (phase + step) / SAMPLE_RATE
            samples = (8000 * np.sin(2 * math.pi * TONE_HZ * t)).astype(np.int16)
            phase += FRAME_SAMPLES
            frame = rtc.AudioFrame(samples.tobytes(), SAMPLE_RATE, 1, FRAME_SAMPLES)
            await source.capture_frame(frame)

    async def run_command(self, command: dict[str, Any]) -> bool:
        """Carry out one command; False when it says to leave."""
        name = command.get("command")
        local = self.room.local_participant
        if name == "leave":
            return False
        if name == "chat":
            await local.send_text(str(command["text"]), topic="lk.chat")
        elif name == "hand":
            # An ISO 8601 time, as La Suite Meet's server writes it; "" when lowered.
            now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            raised = now if command.get("raised") else ""
            await local.set_attributes({"handRaisedAt": raised})
        elif name == "data":
            payload = command["payload"]
            text = payload if isinstance(payload, str) else json.dumps(payload)
            await local.publish_data(text, reliable=True, topic=str(command.get("topic", "")))
        elif name == "transcription":
            segment = rtc.TranscriptionSegment(
                id=str(command.get("id", "segment-1")),
                text=str(command["text"]),
                start_time=0,
                end_time=0,
                language=str(command.get("language", "en")),
                final=bool(command.get("final", True)),
            )
            await local.publish_transcription(
                rtc.Transcription(local.identity, self.audio_sid, [segment])
            )
        elif name == "screen":
            await self.share_screen()
        elif name == "mute":
            track = self.tracks[str(command["kind"])]
            if command.get("muted", True):
                track.mute()
            else:
                track.unmute()
        elif name == "caption_stream":
            await local.send_text(
                str(command["text"]),
                topic="lk.transcription",
                attributes={
                    "lk.segment_id": str(command.get("id", "segment-1")),
                    "lk.transcription_final": "true" if command.get("final", True) else "false",
                    "lk.transcribed_track_id": self.audio_sid,
                },
            )
        else:
            emit("error", command=name, reason="unknown command")
            return True
        emit("done", command=name)
        return True


async def commands() -> asyncio.Queue[str | None]:
    """Lines of stdin, None at its end, read without blocking the loop."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    # A daemon thread: a blocked read must not keep the process alive once it has left.
    threading.Thread(target=read, daemon=True).start()
    return queue


async def main(url: str, token: str, size: str, codec: str) -> None:
    width, height = (int(side) for side in size.split("x"))
    participant = Participant(width, height, codec)
    participant.listen()
    await participant.room.connect(url, token, rtc.RoomOptions(auto_subscribe=True))
    for other in participant.room.remote_participants.values():
        emit("joined", identity=other.identity)
    video_sid, audio_sid = await participant.publish()
    emit(
        "ready",
        identity=participant.room.local_participant.identity,
        video_sid=video_sid,
        audio_sid=audio_sid,
    )
    participant.spawn(participant.report())
    queue = await commands()
    try:
        while (line := await queue.get()) is not None:
            if not line.strip():
                continue
            try:
                if not await participant.run_command(json.loads(line)):
                    break
            except Exception as exc:  # report and go on: the test decides what it means
                emit("error", command=line.strip(), reason=repr(exc))
    finally:
        await participant.room.disconnect()
        for task in list(participant.tasks):
            task.cancel()
        emit("left-room")


if __name__ == "__main__":
    size = sys.argv[3] if len(sys.argv) > 3 else "320x180"
    codec = sys.argv[4] if len(sys.argv) > 4 else "VP8"
    asyncio.run(main(sys.argv[1], sys.argv[2], size, codec))
