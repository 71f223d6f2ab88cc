"""Builds the desktop application: Qt, the engine thread, the render thread, the window, the
single-instance hand-over, and for the demo the embedded server and the synthetic participants.

The system policy is read once, here: its values win over the user's settings, the meeting
backend gets it (TLS trust, server-supplied addresses), and the window gets it in `Services`.
Problems in it are logged and told once on the home screen; a broken policy is read the safest
way (`core.policy`) and never stops the application.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import platformdirs
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from visio_desktop.captions import DownloadProgress, ModelDownloadError, download_model
from visio_desktop.core.errors import VisioError
from visio_desktop.core.link_policy import EMBEDDED_SERVER_HOST
from visio_desktop.core.links import MeetingLink, new_room_slug, parse_link
from visio_desktop.core.policy import Policy, apply_policy, load_policy
from visio_desktop.core.secrets import KeyringSecrets
from visio_desktop.core.settings_file import load_settings, settings_path
from visio_desktop.core.tls import client_ssl_context
from visio_desktop.engine.backends import ServerBackend
from visio_desktop.engine.session import Session
from visio_desktop.engine.thread import EngineThread
from visio_desktop.media.devices import DemoDevices, DeviceCatalog, SystemDevices
from visio_desktop.media.playout import Playout
from visio_desktop.media.render import FrameRenderer
from visio_desktop.media.status import DeviceStatus
from visio_desktop.server.runner import EmbeddedServer
from visio_desktop.server.state import ServerConfig
from visio_desktop.ui import icons
from visio_desktop.ui.bridge import EngineBridge
from visio_desktop.ui.i18n import install_translator
from visio_desktop.ui.main_window import MainWindow
from visio_desktop.ui.services import FrameRouter, Services
from visio_desktop.ui.single_instance import SingleInstance

log = logging.getLogger(__name__)

_LEAVE_SECONDS = 5.0
_EMBEDDED_HOST = EMBEDDED_SERVER_HOST
_DEMO_CREATE_SECONDS = 10.0


@dataclass(frozen=True)
class DemoPlan:
    participants: int = 3
    name: str = "Guest"


class _Embedded:
    """The embedded server, started the first time a meeting needs it."""

    def __init__(self) -> None:
        self.server: EmbeddedServer | None = None

    def base_url(self) -> str:
        if self.server is None:
            # Its meetings (their hosts' secrets, hashed, and rules) outlive the application,
            # as the secrets in the keyring do.
            records = platformdirs.user_data_path("visio-desktop") / "embedded-server"
            config = ServerConfig(host=_EMBEDDED_HOST, port=0, data_dir=records)
            self.server = EmbeddedServer(config)
            self.server.start()
        return self.server.base_url

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


def _application() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])  # never hand a link to Qt's own argument parsing
    app.setApplicationName("visio-desktop")
    app.setApplicationDisplayName("Visio")
    app.setDesktopFileName("visio-desktop")
    app.setWindowIcon(icons.icon("app"))
    return app


def _quit_on_signals(app: QApplication) -> QTimer:
    """Ctrl+C and SIGTERM close the window cleanly. Python runs signal handlers only between
    bytecodes, so a timer gives it a chance while Qt's loop runs."""

    def quit_app(signum: int, frame: object) -> None:
        app.quit()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, quit_app)
    timer = QTimer(app)
    timer.timeout.connect(lambda: None)
    timer.start(250)
    return timer


@dataclass
class Desktop:
    """The running application's parts, so that it can be driven and shut down as a whole."""

    app: QApplication
    window: MainWindow
    session: Session
    engine: EngineThread
    renderer: FrameRenderer
    embedded: _Embedded
    instance: SingleInstance
    bots: subprocess.Popen[bytes] | None = None
    playout: Playout | None = None

    def close(self) -> None:
        shut_down(self.session, self.engine, self.renderer, self.embedded.stop, self.bots)
        if self.playout is not None:
            self.playout.close()
        self.instance.close()


def build_desktop(
    instance: SingleInstance,
    demo: DemoPlan | None = None,
    settings_file: Path | None = None,
    devices: DeviceCatalog | None = None,
    policy_file: Path | None = None,
) -> Desktop:
    """Everything the window needs, built and started; `devices` defaults to what there is
    (the demo's synthetic devices in the demo), `policy_file` to the system policy."""
    app = _application()
    path = settings_file or settings_path()
    settings, problems = load_settings(path)
    for problem in problems:
        log.warning("settings: %s", problem)
    policy, policy_problems = load_policy(policy_file)
    for problem in policy_problems:
        log.warning("system policy: %s", problem)
    settings = apply_policy(settings, policy)
    install_translator(app, settings.language)
    embedded = _Embedded()
    if demo is not None:
        settings = replace(settings, display_name=settings.display_name or demo.name)
        devices = devices or DemoDevices(settings.display_name)
    bridge = EngineBridge()
    window_ref: list[MainWindow] = []

    def device_status(status: DeviceStatus) -> None:  # device threads
        _log_device_status(status)
        if status.state.is_problem and window_ref:
            window = window_ref[0]
            bridge.post(lambda: window.show_device_problem(status.message))

    devices = devices or SystemDevices(on_status=device_status)
    # Remote audio goes to the speakers through the playout mixer, which also feeds the
    # microphone's echo canceller (only real devices have speakers).
    playout = devices.playout() if isinstance(devices, SystemDevices) else None
    engine = EngineThread()
    engine.start()
    renderer = FrameRenderer(bridge.rendered)
    renderer.start()
    router = FrameRouter(renderer)
    backend = functools.partial(ServerBackend, policy=policy)
    session = Session(
        engine,
        bridge.listener,
        backend_factory=backend,
        video_sink=router.sink,
        audio_out=playout,
        secrets=KeyringSecrets(),
    )
    services = Services(
        session=session,
        router=router,
        bridge=bridge,
        devices=devices,
        settings=settings,
        settings_file=path,
        new_meeting_server=settings.server_url or None,
        policy=policy,
        trusted_hosts=(_EMBEDDED_HOST,),
        model_download=functools.partial(_download_model, policy),
        use_speaker=_speaker_switch(playout, devices) if playout is not None else None,
        set_volume=playout.set_volume if playout is not None else None,
    )
    window = MainWindow(services, start_embedded=embedded.base_url)
    window_ref.append(window)
    notice = window.links.policy_notice(policy_problems)
    if notice:
        window.home.show_error(notice)
    instance.link_received.connect(window.open_link_text)
    instance.activation_requested.connect(window.raise_and_activate)
    desktop = Desktop(app, window, session, engine, renderer, embedded, instance, playout=playout)
    if playout is not None and services.use_speaker is not None:
        services.use_speaker(settings.speaker)
    window.show()
    if demo is not None:
        link = _demo_meeting(session, embedded.base_url())
        desktop.bots = start_bots(link, demo.participants)
        window.join_now(link, settings.display_name, audio=False, video=True)
    return desktop


def _demo_meeting(session: Session, server: str) -> MeetingLink:
    """The demo's meeting, created by this user, who is its host: the host's controls (the
    lobby, moderation) can be tried on the synthetic participants."""
    try:
        return session.create_meeting(server).result(timeout=_DEMO_CREATE_SECONDS)
    except (VisioError, TimeoutError) as exc:
        log.warning("could not create the demo meeting (%s); joining a plain room", exc)
        return parse_link(f"{server}/{new_room_slug()}")


def _speaker_switch(playout: Playout, devices: DeviceCatalog) -> Callable[[str], None]:
    """Plays remote audio on the speaker with this label ("" = the default)."""

    def use(label: str) -> None:
        if not isinstance(devices, SystemDevices):
            return
        output = devices.speaker_output(label)
        threading.Thread(  # opening an audio device can block
            target=playout.set_output, args=(output, label), name="speaker-open", daemon=True
        ).start()

    return use


def _log_device_status(status: DeviceStatus) -> None:
    if status.state.is_problem:
        log.warning("%s: %s", status.kind.value, status.message or status.state.value)


def _download_model(
    policy: Policy,
    name: str,
    *,
    mirror: str | None = None,
    progress: Callable[[DownloadProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """`download_model` as the policy says: refused when downloads are blocked, and through
    the policy's CA bundle and proxy (the mirror comes from the models dialog)."""
    if not policy.model_downloads_allowed:
        raise ModelDownloadError("model downloads are blocked by the system policy")
    try:
        context = client_ssl_context(policy.extra_ca_bundle or None)
        client = httpx.Client(verify=context, proxy=policy.proxy or None, timeout=30.0)
    except (OSError, ImportError, ValueError) as exc:  # ImportError: a SOCKS proxy's library
        raise ModelDownloadError(f"the system policy's proxy or CA cannot be used: {exc}") from None
    with client:
        return download_model(name, mirror=mirror, progress=progress, cancel=cancel, client=client)


def no_display_reason() -> str | None:
    """Why a window cannot open here, or None. Qt would abort the process instead of saying."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no graphical display here (neither DISPLAY nor WAYLAND_DISPLAY is set). "
        "Run it in a desktop session, or try `visio-desktop demo --headless`."
    )


def run_desktop(link_text: str | None = None, demo: DemoPlan | None = None) -> int:
    """The window: home, or the pre-join screen of `link_text`, or the demo meeting."""
    reason = no_display_reason()
    if reason is not None:
        print(f"visio-desktop: {reason}", file=sys.stderr)
        return 2
    app = _application()
    _quit_on_signals(app)
    instance = SingleInstance()
    if demo is None and not instance.try_become_primary():
        if instance.send_to_primary(link_text or ""):
            return 0
        print("visio-desktop: another window is open but does not answer", file=sys.stderr)
        return 1
    desktop = build_desktop(instance, demo)
    try:
        if link_text:
            QTimer.singleShot(0, lambda: desktop.window.open_link_text(link_text))
        return app.exec()
    finally:
        desktop.close()


def start_bots(link: MeetingLink, participants: int) -> subprocess.Popen[bytes] | None:
    """The demo's synthetic participants, in a process of their own (see demo.run_bots)."""
    if participants <= 0:
        return None
    command = (
        [sys.executable]
        if getattr(sys, "frozen", False)
        else [sys.executable, "-m", "visio_desktop"]
    )
    command += ["bots", link.web_url, "--participants", str(participants)]
    # The bots read stdin until it closes: if this process dies, they leave too.
    return subprocess.Popen(command, stdin=subprocess.PIPE, env={**os.environ})


def shut_down(
    session: Session,
    engine: EngineThread,
    renderer: FrameRenderer,
    stop_server: Callable[[], None],
    bots: subprocess.Popen[bytes] | None,
) -> None:
    if session.in_meeting:
        with contextlib.suppress(Exception):
            session.leave().result(timeout=_LEAVE_SECONDS)
    with contextlib.suppress(Exception):
        session.stop_preview().result(timeout=_LEAVE_SECONDS)
    if bots is not None:
        if bots.stdin is not None:
            bots.stdin.close()
        bots.terminate()
        try:
            bots.wait(timeout=_LEAVE_SECONDS)
        except subprocess.TimeoutExpired:
            bots.kill()
    engine.stop()
    renderer.stop()
    stop_server()
