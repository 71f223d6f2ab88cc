"""`visio-desktop captions ...`: transcribe a WAV file, list and download speech models.

    visio-desktop captions transcribe FILE.wav [--lang fr|en|auto] [--model PATH|NAME]
                                               [--format txt|srt|vtt|json] [--threads N]
    visio-desktop captions models
    visio-desktop captions download NAME [--mirror URL]

`transcribe` runs the captions pipeline (Silero VAD, segmenter, Whisper) in this process on
the whole file and prints the final segments. Exit codes: 0 done, 1 no usable speech model
(missing, or failing to load), 2 bad input (unreadable or not a WAV file), 3 download failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from visio_desktop.captions.audio import read_wav
from visio_desktop.captions.errors import (
    AudioInputError,
    CaptionsError,
    ModelDownloadError,
)
from visio_desktop.captions.models import (
    CATALOGUE,
    DEFAULT_MODEL,
    available_models,
    require_model,
)
from visio_desktop.captions.transcript import FORMATS, entries_from_segments, render

__all__ = ["EXIT_BAD_INPUT", "EXIT_NO_MODEL", "add_arguments", "run", "transcribe_file"]

EXIT_NO_MODEL = 1
EXIT_BAD_INPUT = 2
EXIT_FAILED = 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the captions actions to `parser` (the `captions` subcommand's parser)."""
    actions = parser.add_subparsers(dest="captions_action", metavar="ACTION", required=True)
    transcribe = actions.add_parser("transcribe", help="transcribe a WAV file")
    transcribe.add_argument("file", type=Path, help="a .wav file")
    transcribe.add_argument("--lang", choices=("fr", "en", "auto"), default="auto")
    transcribe.add_argument(
        "--model", default=DEFAULT_MODEL, metavar="PATH|NAME", help="a model folder or name"
    )
    transcribe.add_argument("--format", choices=FORMATS, default="txt", dest="fmt")
    transcribe.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    actions.add_parser("models", help="list the speech models found and known")
    download = actions.add_parser("download", help="download a known speech model")
    download.add_argument("name", choices=[entry.name for entry in CATALOGUE])
    download.add_argument("--mirror", metavar="URL", help="base URL of a model mirror")


def run(args: argparse.Namespace) -> int:
    if args.captions_action == "transcribe":
        return transcribe_file(args.file, args.lang, args.model, args.fmt, threads=args.threads)
    if args.captions_action == "models":
        return list_models()
    return download(args.name, args.mirror)


def transcribe_file(
    path: Path,
    lang: str = "auto",
    model: str = DEFAULT_MODEL,
    fmt: str = "txt",
    *,
    threads: int = 2,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Print the transcript of a WAV file; an exit code (errors go to `err` as one line)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        audio = read_wav(path)
        folder = require_model(model)
        from visio_desktop.captions.pipeline import CaptionPipeline  # noqa: PLC0415
        from visio_desktop.captions.recognizer import WhisperRecognizer  # noqa: PLC0415
        from visio_desktop.captions.vad import SileroVad  # noqa: PLC0415

        pipeline = CaptionPipeline(
            SileroVad(),
            WhisperRecognizer(folder, cpu_threads=threads),
            language=None if lang == "auto" else lang,
        )
        segments = pipeline.transcribe(audio)
    except AudioInputError as exc:
        print(f"visio-desktop: {exc.message}", file=err)
        return EXIT_BAD_INPUT
    except CaptionsError as exc:  # no model, a model that does not load, no VAD
        print(f"visio-desktop: {exc.message}", file=err)
        return EXIT_NO_MODEL
    out.write(render(entries_from_segments(segments), fmt, timestamps=False))
    return 0


def list_models() -> int:
    found = {model.name: model for model in available_models()}
    for model in found.values():
        where = model.path if model.path else "installed Python packages"
        print(f"{model.name}\tavailable\t{where}")
    for entry in CATALOGUE:
        if entry.name not in found:
            state = "downloadable" if entry.verified else "no known checksum"
            print(f"{entry.name}\t{state}\t{entry.repo}, {entry.licence}, {entry.size // 10**6} MB")
    return 0


def download(name: str, mirror: str | None) -> int:
    import httpx  # noqa: PLC0415

    from visio_desktop.captions.download import DownloadProgress, download_model  # noqa: PLC0415
    from visio_desktop.core.policy import load_policy  # noqa: PLC0415
    from visio_desktop.core.tls import client_ssl_context  # noqa: PLC0415

    policy, _ = load_policy()
    if not policy.model_downloads_allowed:
        print("visio-desktop: model downloads are blocked by the system policy", file=sys.stderr)
        return EXIT_FAILED
    if policy.model_mirror:
        mirror = policy.model_mirror  # the administrator's mirror wins
    context = client_ssl_context(policy.extra_ca_bundle or None)
    shown = [-2]  # last percentage printed; -2: nothing printed yet

    def progress(p: DownloadProgress) -> None:
        done, total = p.done, p.total
        percent = done * 100 // total if total else -1
        if percent != shown[0]:
            shown[0] = percent
            print(f"\r{name}: {done // 10**6} MB" + (f" ({percent}%)" if total else ""), end="")

    try:
        with httpx.Client(verify=context, proxy=policy.proxy or None, timeout=30.0) as client:
            folder = download_model(name, mirror=mirror, progress=progress, client=client)
    except ModelDownloadError as exc:
        print(("\n" if shown[0] != -2 else "") + f"visio-desktop: {exc.message}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\nvisio-desktop: download cancelled", file=sys.stderr)
        return EXIT_FAILED
    print(f"\n{name} installed in {folder}")
    return 0
