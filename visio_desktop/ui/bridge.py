"""The one way data reaches the GUI thread: engine events, rendered frames and finished
engine calls are re-emitted as Qt signals, which Qt queues to the thread the bridge lives in.
Nothing on the GUI thread ever waits on the engine."""

from __future__ import annotations

import concurrent.futures
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal, Slot

from visio_desktop.engine import events as ev
from visio_desktop.media.render import RenderedFrame

log = logging.getLogger(__name__)

_T = TypeVar("_T")


class EngineBridge(QObject):
    engine_event = Signal(object)  # an engine Event
    frame_rendered = Signal(object)  # a RenderedFrame
    _call = Signal(object)  # a zero-argument callable to run on the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run)

    def listener(self, event: ev.Event) -> None:
        """The engine's listener: any thread."""
        self.engine_event.emit(event)

    def rendered(self, frame: RenderedFrame) -> None:
        """The renderer's callback: the render thread."""
        self.frame_rendered.emit(frame)

    def post(self, call: Callable[[], Any]) -> None:
        """Run `call` on the GUI thread (from any thread)."""
        self._call.emit(call)

    def when_done(
        self,
        future: concurrent.futures.Future[_T],
        on_result: Callable[[_T], None],
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Call `on_result` (or `on_error`) on the GUI thread once the engine call finishes."""

        def done(finished: concurrent.futures.Future[_T]) -> None:
            error = finished.exception() if not finished.cancelled() else None
            if finished.cancelled():
                return
            if error is not None:
                if on_error is not None:
                    self._call.emit(lambda: on_error(error))
                else:
                    log.warning("an engine call failed: %s", error)
                return
            result = finished.result()
            self._call.emit(lambda: on_result(result))

        future.add_done_callback(done)

    @Slot(object)
    def _run(self, call: Callable[[], Any]) -> None:
        try:
            call()
        except Exception:  # a handler's bug must not take the window down
            log.exception("a GUI callback failed")
