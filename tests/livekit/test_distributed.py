"""LiveKit distributed: two nodes sharing one Redis, each fronted by one of our servers (same
keys, no state of their own). Participants who reach different nodes are in one meeting and
receive each other's media; rooms are placed on both nodes, as LiveKit records in Redis."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from functools import partial

import aiohttp
import pytest
from livekit import api
from livekit.protocol import models as lm

from tests.livekit.rig import API_KEY, API_SECRET, LiveKitNode, RedisServer
from tests.livekit.test_signal import Recorder
from visio_desktop.media.synthetic import SyntheticAudioTrack, SyntheticVideoTrack
from visio_desktop.rtc.livekit.connection import LiveKitConnection
from visio_desktop.server.limits import Limits
from visio_desktop.server.livekit_keys import LiveKitKeys
from visio_desktop.server.livekit_rooms import LiveKitFront
from visio_desktop.server.runner import RunningServer, start_server
from visio_desktop.server.state import ServerConfig

Cluster = tuple[LiveKitNode, LiveKitNode]
# Rooms go to a node at random (LiveKit's default node selector): with this many rooms, the
# chance that all land on one of two nodes is 2 in 2^40.
_MAX_ROOMS = 41


def node_id(node: LiveKitNode) -> str:
    """The node ID a LiveKit node gives itself, from the line it logs when it starts."""
    found = re.search(r'starting LiveKit server.*"nodeID": "(ND_\w+)"', node.log())
    assert found, node.log()[-2000:]
    return found.group(1)


def room_nodes(redis: RedisServer) -> dict[str, str]:
    """Which node each room lives on: LiveKit's `room_node_map` hash in Redis."""
    words = redis.command("HGETALL", "room_node_map").split()
    return dict(zip(words[::2], words[1::2], strict=True))


def _has_all(seen: Recorder, sids: set[str]) -> bool:
    return sids <= set(seen.tracks)


@pytest.fixture
async def fronts(cluster: Cluster) -> AsyncIterator[list[RunningServer]]:
    """One of our servers in front of each node, with the same keys."""
    servers = []
    for node in cluster:
        front = LiveKitFront(url=node.url, keys=LiveKitKeys(API_KEY, API_SECRET))
        config = ServerConfig(
            host="127.0.0.1", port=0, limits=Limits(max_participants=8), livekit=front
        )
        servers.append(await start_server(config))
    yield servers
    for server in servers:
        await server.stop()


async def _grant(
    http: aiohttp.ClientSession, server: RunningServer, room: str, name: str
) -> dict[str, str]:
    url = f"{server.base_url}/api/v1.0/rooms/{room}/"
    async with http.get(url, params={"username": name}) as answer:
        assert answer.status == 200, await answer.text()
        return dict((await answer.json())["livekit"])


async def test_rooms_are_placed_on_both_nodes(
    cluster: Cluster, redis: RedisServer, fronts: list[RunningServer]
) -> None:
    """Rooms created through one front land on either node: LiveKit, not the front, places
    them, and both nodes serve the meetings."""
    ids = {node_id(node) for node in cluster}
    created = []
    async with aiohttp.ClientSession() as http:
        for number in range(_MAX_ROOMS):
            room = f"pla-cedr-{chr(ord('a') + number // 26)}{chr(ord('a') + number % 26)}a"
            await _grant(http, fronts[0], room, "Placer")
            created.append(room)
            placed = room_nodes(redis)
            if {placed[name] for name in created} == ids:
                break
    placed = room_nodes(redis)
    assert {placed[name] for name in created} == ids, placed


async def test_participants_on_different_nodes_see_and_hear_each_other(
    cluster: Cluster, redis: RedisServer, fronts: list[RunningServer]
) -> None:
    room = "spa-nnod-esa"
    joined: list[tuple[LiveKitConnection, Recorder, dict[str, str]]] = []
    async with aiohttp.ClientSession() as http:
        for server, name in zip(fronts, ("North", "South"), strict=True):
            grant = await _grant(http, server, room, name)
            recorder = Recorder()
            connection = LiveKitConnection(recorder)
            await connection.connect(grant["url"], grant["token"], auto_subscribe=True)
            joined.append((connection, recorder, grant))
    try:
        # Each reached its own node; the room lives on one of them.
        assert [grant["url"] for _, _, grant in joined] == [node.url for node in cluster]
        assert room_nodes(redis)[room] in {node_id(node) for node in cluster}
        published: list[set[str]] = []
        for connection, _, grant in joined:
            label = grant["url"]
            video = await connection.publish(
                "camera", SyntheticVideoTrack(label, 320, 180, 15), lm.TrackSource.CAMERA
            )
            audio = await connection.publish(
                "microphone", SyntheticAudioTrack.tone(), lm.TrackSource.MICROPHONE
            )
            published.append({video, audio})
        identities = [
            api.TokenVerifier(API_KEY, API_SECRET).verify(grant["token"]).identity
            for _, _, grant in joined
        ]
        for (_, seen, _), theirs, other in zip(
            joined, reversed(published), reversed(identities), strict=True
        ):
            await seen.until(partial(_has_all, seen, theirs))
            assert other in seen.identities
            for sid in theirs:
                async with asyncio.timeout(20):
                    for _ in range(10):
                        await seen.tracks[sid].recv()
        async with api.LiveKitAPI(cluster[1].http_url, API_KEY, API_SECRET) as service:
            answer = await service.room.list_participants(api.ListParticipantsRequest(room=room))
            assert len(answer.participants) == 2
    finally:
        for connection, _, _ in joined:
            await connection.close()
