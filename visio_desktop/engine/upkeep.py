"""Keeping each participant's media flowing, on the engine loop: a connection whose media
stalled is replaced (`engine.watchdog`), and every connection is replaced when this machine's
addresses change (`rtc.addresses`; aiortc cannot restart ICE). A backend that cannot carry on
after an address change (`signaling.base.FollowsAddresses`) is asked first; it then ends its
session and the meeting rejoins."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping

from visio_desktop.core.errors import ConnectionLostError, PeerConnectionError
from visio_desktop.core.kinds import PeerState
from visio_desktop.core.protocol import ParticipantInfo
from visio_desktop.engine import events as ev
from visio_desktop.engine.options import AddressRules, StallRules
from visio_desktop.engine.remote import RemoteMedia
from visio_desktop.engine.watchdog import MediaWatch
from visio_desktop.rtc.addresses import AddressSource, AddressWatch, watch_addresses
from visio_desktop.rtc.plane import MediaPlane
from visio_desktop.signaling.base import FollowsAddresses, MeetingBackend

log = logging.getLogger(__name__)


class MediaUpkeep:
    def __init__(
        self,
        plane: Callable[[], MediaPlane | None],
        participants: Mapping[str, ParticipantInfo],
        remote: RemoteMedia,
        backend: MeetingBackend,
        emit: ev.Listener,
        *,
        stall_rules: StallRules,
    ) -> None:
        self._plane = plane
        self._participants = participants
        self._remote = remote
        self._backend = backend
        self._emit = emit
        self.watch = MediaWatch(stall_rules)

    async def watch_media(self) -> None:
        """Replace the connection of any peer whose media stalled (see engine.watchdog)."""
        while True:
            await asyncio.sleep(self.watch.rules.check_seconds)  # periodic, not a wait
            plane = self._plane()
            if plane is None:
                continue
            counters = self._remote.counters()
            patience = plane.stalled_checks_before_restart
            for participant_id in self.watch.due(
                time.time(), self._participants, counters, patience
            ):
                log.info("media from %s stalled; restarting its connection", participant_id)
                await self._restart(plane, participant_id)

    async def follow_addresses(self, source: AddressSource, rules: AddressRules) -> None:
        """Watch this machine's addresses until cancelled (not for a meeting on loopback)."""
        addresses = AddressWatch(source, settle_checks=rules.settle_checks)
        await watch_addresses(addresses, rules.check_seconds, self._addresses_changed)

    async def _addresses_changed(self, addresses: frozenset[str]) -> None:
        plane = self._plane()
        if plane is None:  # rejoining already: the new connections gather the new addresses
            return
        log.info("this machine's addresses changed (now %s); new media connections", len(addresses))
        backend = self._backend
        if isinstance(backend, FollowsAddresses) and backend.addresses_changed(addresses):
            return
        for participant_id in list(self._participants):
            await self._restart(plane, participant_id)

    async def _restart(self, plane: MediaPlane, participant_id: str) -> None:
        self._emit(ev.PeerStateChanged(participant_id, PeerState.RESTARTING))
        try:
            await plane.restart_participant(participant_id)
        except (PeerConnectionError, ConnectionLostError) as exc:
            log.warning("restarting %s failed: %s", participant_id, exc.message)
