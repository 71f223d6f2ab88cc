"""What the main window works with, built by desktop.py: the engine session, the video frame
router, the bridge, devices, settings and policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from av import VideoFrame

from visio_desktop.captions import download_model
from visio_desktop.core.kinds import TileKey
from visio_desktop.core.policy import Policy
from visio_desktop.core.settings import Settings
from visio_desktop.engine.session import Session
from visio_desktop.media.devices import DeviceCatalog
from visio_desktop.media.render import FrameRenderer
from visio_desktop.ui.bridge import EngineBridge
from visio_desktop.ui.models_dialog import Download


class FrameRouter:
    """The engine's video sink: sends each decoded frame to the renderer under its tile's key
    (the engine names the tile: our own camera in the call, the pre-join preview, or a
    participant's camera or screen)."""

    def __init__(self, renderer: FrameRenderer) -> None:
        self.renderer = renderer

    def sink(self, key: TileKey, frame: VideoFrame) -> None:
        self.renderer.submit(key, frame)


@dataclass
class Services:
    """What the window works with; app.py builds them."""

    session: Session
    router: FrameRouter
    bridge: EngineBridge
    devices: DeviceCatalog
    settings: Settings
    settings_file: Path | None  # None: do not save (tests, demo with a throwaway profile)
    new_meeting_server: str | None = None  # base URL; None starts the embedded server on demand
    policy: Policy = field(default_factory=Policy)  # the system policy, already applied
    trusted_hosts: tuple[str, ...] = ()  # hosts trusted as if joined before (embedded server)
    model_download: Download = download_model  # fetches a speech model (policy's TLS, proxy)
    use_speaker: Callable[[str], None] | None = None  # plays remote audio on another speaker
    set_volume: Callable[[str, float], None] | None = None  # one participant's volume, 0-2
