"""Who waits in the lobby of a LiveKit meeting, for its hosts: La Suite Meet's
``GET rooms/<id>/waiting-participants/``, asked as its web app asks it.

Nobody is told of a knock but through the server: it sends the room a data packet
``{"type": "participantWaiting"}`` when someone starts waiting. So a host's client asks for the
list when it joins (people may be waiting already), on each of those packets, after it let
someone in or not, and every second while anyone waits (an entry the server forgets, because
its owner stopped knocking, leaves the list that way). Each change of the list becomes our
`Lobby` message, which the meeting turns into `LobbyChanged` as on the mesh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from visio_desktop.core.errors import ServerRejectedError, ServerUnreachableError
from visio_desktop.core.protocol import ROSTER_MAX, Lobby, Message, clean_display_name
from visio_desktop.core.roles import LobbyEntry

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0  # La Suite Meet's web app asks this often while anyone waits
ID_MAX = 64


def read_waiting(answer: object) -> list[tuple[str, str]]:
    """(entry id, name) of each person waiting, from the server's answer; what is unreadable
    is left out (a bad answer is an empty lobby, never an exception)."""
    people = answer.get("participants") if isinstance(answer, dict) else None
    if not isinstance(people, list):
        return []
    waiting = []
    for person in people[:ROSTER_MAX]:
        if not isinstance(person, dict):
            continue
        entry_id, name = person.get("id"), person.get("username")
        if not isinstance(entry_id, str) or not entry_id or len(entry_id) > ID_MAX:
            continue
        if person.get("status", "waiting") != "waiting":
            continue
        waiting.append((entry_id, clean_display_name(name if isinstance(name, str) else "")))
    return waiting


class LobbyWatch:
    """Keeps a host's `Lobby` up to date; `fetch` asks the server for the list (raising
    ServerRejectedError when we may not, ServerUnreachableError when it cannot be asked)."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[object]],
        put: Callable[[Message], None],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self._put = put
        self._clock = clock
        self._since: dict[str, float] = {}  # entry id -> when we first saw it wait
        self._shown: tuple[LobbyEntry, ...] = ()
        self._nudged = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def waiting(self) -> tuple[LobbyEntry, ...]:
        return self._shown

    def nudge(self) -> None:
        """Ask for the list now (and go on asking while anyone waits)."""
        self._nudged.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="sfu-lobby")

    def stop(self) -> None:
        """No longer a host, or gone: stop asking; a list that was shown is emptied."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        self._since.clear()
        if self._shown:
            self._shown = ()
            self._put(Lobby(waiting=()))

    async def _run(self) -> None:
        while True:
            self._nudged.clear()
            try:
                answer = await self._fetch()
            except ServerRejectedError as exc:
                log.info("the server does not show us its lobby: %s", exc)
                return
            except ServerUnreachableError as exc:
                log.info("the lobby could not be asked for: %s", exc)
            else:
                self._show(read_waiting(answer))
            if not self._shown and not self._nudged.is_set():
                return  # nobody waits: the next participantWaiting packet wakes us
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudged.wait(), POLL_SECONDS)

    def _show(self, waiting: list[tuple[str, str]]) -> None:
        now = self._clock()
        self._since = {i: self._since.get(i, now) for i, _ in waiting}
        entries = tuple(LobbyEntry(i, name, self._since[i]) for i, name in waiting)
        if entries != self._shown:
            self._shown = entries
            self._put(Lobby(waiting=entries))
