"""The captions worker process's side: load the models, then audio in, captions out."""

from __future__ import annotations

import multiprocessing
import queue
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from visio_desktop.captions.audio import SAMPLE_RATE, Decimator
from visio_desktop.captions.errors import CaptionsError
from visio_desktop.captions.events import CaptionEvent, WorkerError, WorkerReady, WorkerStopped
from visio_desktop.captions.models import require_model
from visio_desktop.captions.onnx import load_onnxruntime
from visio_desktop.captions.pipeline import CaptionPipeline
from visio_desktop.captions.recognizer import WhisperRecognizer
from visio_desktop.captions.vad import SileroVad

if TYPE_CHECKING:
    from visio_desktop.captions.worker import WorkerConfig

__all__ = ["serve"]

_FLUSH = "flush"
_STOP = "stop"
_BATCH = 50  # blocks taken at once before decoding: 1 s of 20 ms blocks


def _next(inbox: Any) -> Any:
    """The next item; STOP if the parent process is gone (nobody would ever stop us)."""
    parent = multiprocessing.parent_process()
    while True:
        try:
            return inbox.get(timeout=1.0)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return _STOP


def serve(
    config: WorkerConfig, inbox: Any, send: Callable[[CaptionEvent], None], prefix: str
) -> None:
    try:
        load_onnxruntime()  # telemetry off before any model of ours or faster-whisper's loads
        model = require_model(config.model, config.models_root)
        recognizer = WhisperRecognizer(
            model,
            cpu_threads=config.cpu_threads,
            beam_size=config.beam_size,
            min_window_s=config.min_window_s,
        )
        vad = SileroVad()
    except CaptionsError as exc:
        send(WorkerError(exc.message))
        return
    send(WorkerReady(str(model)))
    pipeline = CaptionPipeline(
        vad, recognizer, language=config.language, config=config.segmenter, id_prefix=prefix
    )
    decimator = Decimator.for_rate(config.input_rate)
    factor = config.input_rate // SAMPLE_RATE
    expected = 0  # input sample position of the next block
    blocks = 0
    stopping = False
    while not stopping:
        items = [_next(inbox)]
        while len(items) < _BATCH:  # catch up on what is queued before decoding
            try:
                items.append(inbox.get_nowait())
            except queue.Empty:
                break
        for item in items:
            if item == _STOP:
                stopping = True
                break
            if item == _FLUSH:
                pipeline.flush()
                continue
            position, samples = item
            if position > expected:  # blocks were dropped
                pipeline.skip((position - expected) // factor)
            expected = position + len(samples)
            pipeline.feed(decimator.process(np.asarray(samples)))
            blocks += 1
        if stopping:
            pipeline.flush()
        try:
            for event in pipeline.decode_pending():
                send(event)
        except CaptionsError as exc:
            send(WorkerError(exc.message, fatal=False))
    send(WorkerStopped(blocks))
