"""Connection quality for the tiles: every two seconds during a call, the engine's receive
figures are read and turned into each participant's frame rate, which the call state makes
into a quality indicator."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer

from visio_desktop.engine.call_state import CallState
from visio_desktop.engine.stats import RemoteStats, frame_rates
from visio_desktop.ui.services import Services

POLL_MS = 2000


class QualityPoll(QObject):
    def __init__(self, services: Services, state: CallState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._state = state
        self._polled_at = 0.0
        self._frames_before: dict[str, int] = {}  # video frames per participant, last poll
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)

    def start(self) -> None:
        self._polled_at = time.monotonic()
        self._frames_before.clear()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def poll(self) -> None:
        now = time.monotonic()
        seconds, self._polled_at = now - self._polled_at, now
        self._services.bridge.when_done(
            self._services.session.stats(),
            lambda stats: self.apply(stats, seconds),
            lambda _: None,
        )

    def apply(self, stats: list[RemoteStats], seconds: float) -> None:
        """Connection quality per participant from what arrived since the last poll."""
        self._state.apply_stats(frame_rates(self._frames_before, stats, seconds))
