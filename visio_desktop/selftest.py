"""`visio-desktop --selftest`: load every native piece the application needs and say what is
missing, so that a packager or an IT agent knows at once whether an installation is whole.

One line per piece, `ok` or `MISSING` with what to install; the exit status is 0 only when
every piece is there. Pieces: Qt (widgets, GUI with a platform plugin, network, SVG icons,
translations), av with aiortc's VP8 and Opus codecs (a real encode and decode), PortAudio
through sounddevice, libopus with FEC and concealment (`rtc.opus`), a keyring backend, and
the captions runtime (onnxruntime, CTranslate2, faster-whisper and its voice-activity model).
Nothing here opens a device or the network.

Modules are imported by name (importlib) so that a missing one is reported, not fatal. Qt runs
offscreen unless QT_QPA_PLATFORM says otherwise; on Linux the X11 and Wayland plugins are loaded
with their system libraries to check that a desktop session would work. A windowed Windows
executable has no console: set VISIO_SELFTEST_LOG to a file name to get the lines there too.
"""

from __future__ import annotations

import ctypes
import importlib
import importlib.metadata
import os
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

from visio_desktop.captions.onnx import inference_session, telemetry_off_env
from visio_desktop.core.resources import resource

__all__ = ["CHECKS", "Missing", "run_selftest"]


class Missing(Exception):
    """A piece is absent or broken; the message says what and how to fix it."""


def _module(name: str, fix: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise Missing(f"the Python module {name} cannot be imported ({exc}); {fix}") from None


def check_qt() -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the checks need no display
    fix = "reinstall visio-desktop (or pip install PySide6-Essentials)"
    qt_core = _module("PySide6.QtCore", fix)
    qt_gui = _module("PySide6.QtGui", fix)
    for name in ("PySide6.QtWidgets", "PySide6.QtNetwork", "PySide6.QtSvg"):
        _module(name, fix)
    windows = _window_plugins(qt_core)
    app = qt_gui.QGuiApplication.instance() or qt_gui.QGuiApplication(sys.argv[:1])
    formats = {bytes(f).decode() for f in qt_gui.QImageReader.supportedImageFormats()}
    if "svg" not in formats:
        raise Missing("Qt's SVG image format plugin (imageformats/qsvg) is missing; " + fix)
    icon = resource("icons", "app.svg")
    if qt_gui.QIcon(str(icon)).pixmap(32, 32).isNull():
        raise Missing(f"the application icon {icon} cannot be drawn (iconengines/qsvgicon); {fix}")
    translations = sorted(resource("translations").glob("*.qm"))
    if not translations or not qt_core.QTranslator().load(str(translations[0])):
        raise Missing(f"no loadable translation in {resource('translations')}; {fix}")
    return (
        f"PySide6 {qt_core.qVersion()}, platform {app.platformName()}{windows}, SVG icons, "
        f"{len(translations)} translation(s)"
    )


def _window_plugins(qt_core: Any) -> str:
    """On Linux, load the X11 and Wayland platform plugins with their system libraries, as a
    desktop session would (Qt itself aborts when it cannot). X11 is needed; Wayland falls back
    to X11 (XWayland), so a Wayland plugin that cannot load is only mentioned."""
    if not sys.platform.startswith("linux"):
        return ""
    folder = Path(qt_core.QLibraryInfo.path(qt_core.QLibraryInfo.LibraryPath.PluginsPath))
    notes = []
    for platform, needed in (("xcb", True), ("wayland", False)):
        plugin = folder / "platforms" / f"libq{platform}.so"
        try:
            ctypes.CDLL(str(plugin))
        except OSError as exc:
            if needed:
                raise Missing(
                    f"Qt's {platform} platform plugin cannot load ({exc}); install the system "
                    "libraries it needs (Debian: libxcb-cursor0 libxkbcommon-x11-0 libegl1)"
                ) from None
            notes.append(f"{platform} unavailable ({str(exc).split(':')[0]}), X11 is used")
        else:
            notes.append(platform)
    return f" (desktop: {', '.join(notes)})"


def check_codecs() -> str:
    fix = "reinstall visio-desktop (or pip install av aiortc)"
    av = _module("av", fix)
    vpx = _module("aiortc.codecs.vpx", fix)
    opus = _module("aiortc.codecs.opus", fix)
    jitter = _module("aiortc.jitterbuffer", fix)
    try:
        frame = av.VideoFrame(64, 48, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        frame.pts, frame.time_base = 0, Fraction(1, 90000)
        payloads, timestamp = vpx.Vp8Encoder().encode(frame, force_keyframe=True)
        data = b"".join(vpx.vp8_depayload(payload) for payload in payloads)
        decoded = vpx.Vp8Decoder().decode(jitter.JitterFrame(data, timestamp))
        if not decoded or decoded[0].width != 64:
            raise Missing("VP8 encoded a frame that it could not decode back; " + fix)
        encoder, packets = opus.OpusEncoder(), []
        for index in range(4):
            sound = av.AudioFrame(format="s16", layout="stereo", samples=960)
            sound.planes[0].update(bytes(sound.planes[0].buffer_size))
            sound.sample_rate, sound.pts = 48000, index * 960
            packets += encoder.encode(sound)[0]
        if not packets or not opus.OpusDecoder().decode(jitter.JitterFrame(packets[0], 0)):
            raise Missing("Opus encoded sound that it could not decode back; " + fix)
    except (av.FFmpegError, ValueError) as exc:
        raise Missing(f"a codec failed in FFmpeg ({exc}); {fix}") from None
    return f"av {av.__version__} (FFmpeg), VP8 and Opus encode and decode"


def check_portaudio() -> str:
    try:
        sounddevice = importlib.import_module("sounddevice")
    except ImportError as exc:
        raise Missing(
            f"the Python module sounddevice is not installed ({exc}); reinstall visio-desktop "
            "(or pip install sounddevice)"
        ) from None
    except OSError as exc:
        raise Missing(
            f"the PortAudio library is missing ({exc}); install it: "
            "sudo apt install libportaudio2 (Debian, Ubuntu) or sudo dnf install portaudio"
        ) from None
    return f"sounddevice {sounddevice.__version__}, {sounddevice.get_portaudio_version()[1]}"


def check_opus() -> str:
    try:
        opus = importlib.import_module("visio_desktop.rtc.opus")
        encoder, decoder = opus.Encoder(), opus.Decoder()
        encoder.set_fec(True)
        packet = encoder.encode(bytes(2 * opus.FRAME_SAMPLES))
        decoder.decode(packet)
        decoder.decode(None)
    except ImportError as exc:
        raise Missing(
            f"the Opus binding cannot be imported ({exc}); reinstall visio-desktop"
        ) from None
    except Exception as exc:  # OpusUnavailable, OpusCodecError: their message says it
        raise Missing(str(exc)) from None
    return f"{opus.version()}: FEC, DTX and concealment"


def check_keyring() -> str:
    fix = "reinstall visio-desktop (or pip install keyring)"
    keyring = _module("keyring", fix)
    if sys.platform == "win32":
        _module("keyring.backends.Windows", fix)
        _module("win32ctypes.core", fix + " (pywin32-ctypes)")
    elif sys.platform == "darwin":
        _module("keyring.backends.macOS", fix)
    else:
        _module("keyring.backends.SecretService", fix)
        _module("secretstorage", fix + " (SecretStorage)")
    backend = keyring.get_keyring()
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if name.startswith(("keyring.backends.fail", "keyring.backends.null")):
        name = "none running in this session (secrets would stay in memory)"
    return f"keyring {_version('keyring')}, backend {name}"


def check_captions() -> str:
    fix = "captions runtime missing: reinstall visio-desktop (or pip install faster-whisper)"
    telemetry_off_env()  # before onnxruntime is imported: no telemetry, even from a self-test
    onnxruntime = _module("onnxruntime", fix)
    ctranslate2 = _module("ctranslate2", fix)
    faster_whisper = _module("faster_whisper", fix)
    vad = Path(faster_whisper.__file__).parent / "assets" / "silero_vad_v6.onnx"
    if not vad.is_file():
        raise Missing(f"the voice-activity model {vad} is missing; {fix}")
    try:
        inference_session(vad)  # telemetry off, as in the captions worker
    except Exception as exc:  # onnxruntime raises its own untyped errors
        raise Missing(f"onnxruntime cannot load the voice-activity model ({exc}); {fix}") from None
    if "int8" not in ctranslate2.get_supported_compute_types("cpu"):
        raise Missing("CTranslate2 has no int8 support on this processor; " + fix)
    return (
        f"onnxruntime {onnxruntime.__version__}, CTranslate2 {ctranslate2.__version__}, "
        f"faster-whisper {getattr(faster_whisper, '__version__', '?')}, voice-activity model"
    )


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "?"


CHECKS: Sequence[tuple[str, Callable[[], str]]] = (
    ("qt", check_qt),
    ("codecs", check_codecs),
    ("portaudio", check_portaudio),
    ("opus", check_opus),
    ("keyring", check_keyring),
    ("captions", check_captions),
)


def run_selftest(
    checks: Sequence[tuple[str, Callable[[], str]]] = CHECKS, stream: TextIO | None = None
) -> int:
    """Run each check, print one line per piece and a summary; 0 only if nothing is missing."""
    lines, missing = [], 0
    for name, check in checks:
        try:
            lines.append(f"ok       {name}: {check()}")
        except Missing as exc:
            missing += 1
            lines.append(f"MISSING  {name}: {exc}")
        except Exception as exc:  # a broken piece must not hide the others
            missing += 1
            lines.append(f"MISSING  {name}: failed with {type(exc).__name__}: {exc}")
    total = len(checks)
    summary = f"all {total} pieces present" if not missing else f"{missing} of {total} missing"
    lines.append(f"selftest: {summary}")
    _emit(lines, stream)
    return 0 if not missing else 1


def _emit(lines: list[str], stream: TextIO | None) -> None:
    text = "".join(f"{line}\n" for line in lines)
    target = stream or sys.stdout
    if target is not None:
        target.write(text)
        target.flush()
    log = os.environ.get("VISIO_SELFTEST_LOG")
    if log:
        Path(log).write_text(text, encoding="utf-8")
