"""Download a catalogue model, only when the user asks: progress, cancel, checksums, mirror.

Files come from `{base}/{repo}/resolve/main/{file}`, with base https://huggingface.co or the
mirror that policy sets (a mirror serves the same layout, as Hugging Face mirrors do). Each file
streams into a staging folder beside the models, hashed on the way; the folder is renamed into
place only when every file matches its sha256, so a cancelled or failed download leaves
nothing behind.

A file whose sha256 is not known is never installed: the catalogue names checksums where they
could be verified, and a caller (IT policy, say) may supply them for the others with
`checksums`. Without one, the download is refused before any byte is fetched.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from visio_desktop.captions.errors import (
    ChecksumMismatchError,
    DownloadCancelledError,
    ModelDownloadError,
)
from visio_desktop.captions.models import (
    MARKER,
    CatalogueEntry,
    catalogue_entry,
    models_root,
    replace_dir,
)
from visio_desktop.core.tls import client_ssl_context

__all__ = ["DEFAULT_BASE_URL", "DownloadProgress", "download_model", "model_urls"]

DEFAULT_BASE_URL = "https://huggingface.co"


@dataclass(frozen=True)
class DownloadProgress:
    file: str  # the file being fetched
    done: int  # bytes fetched so far, all files
    total: int | None  # bytes expected, all files, when known


def model_urls(entry: CatalogueEntry, mirror: str | None = None) -> dict[str, str]:
    base = (mirror or DEFAULT_BASE_URL).rstrip("/")
    return {f.name: f"{base}/{entry.repo}/resolve/main/{f.name}" for f in entry.files}


def _expected_sums(entry: CatalogueEntry, checksums: Mapping[str, str]) -> dict[str, str]:
    sums = {f.name: (checksums.get(f.name) or f.sha256 or "").lower() for f in entry.files}
    unknown = [name for name, digest in sums.items() if not digest]
    if unknown:
        raise ModelDownloadError(
            f"refusing to download {entry.name}: no known checksum for {', '.join(unknown)}, "
            "so the files could not be verified. Ask your administrator for the checksums, or "
            "install a model folder yourself and pass its path"
        )
    return sums


def download_model(
    name: str,
    *,
    root: Path | None = None,
    mirror: str | None = None,
    checksums: Mapping[str, str] | None = None,
    progress: Callable[[DownloadProgress], None] | None = None,
    cancel: threading.Event | None = None,
    client: httpx.Client | None = None,
) -> Path:
    """Fetch, verify and install catalogue model `name`; its folder.

    Raises ModelDownloadError (ChecksumMismatchError, DownloadCancelledError): nothing is
    installed then. Blocking: run it off the GUI and engine threads.
    """
    entry = catalogue_entry(name)
    if entry is None:
        raise ModelDownloadError(f"unknown model {name!r}")
    sums = _expected_sums(entry, checksums or {})
    root = root or models_root()
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".{entry.name}.download-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    own_client = client is None
    http = client or httpx.Client(verify=client_ssl_context(), timeout=30.0)
    sizes = [f.size for f in entry.files]
    total = sum(s for s in sizes if s is not None) if None not in sizes else None
    fetch = _Fetch(http, progress or (lambda _: None), cancel or threading.Event(), total)
    try:
        for spec, (file, url) in zip(entry.files, model_urls(entry, mirror).items(), strict=True):
            fetch.get(url, staging / file, spec.size, sums[file])
        (staging / MARKER).write_text(json.dumps({"name": entry.name, "sha256": sums}, indent=1))
        target = root / entry.name
        replace_dir(staging, target)
        return target
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if own_client:
            http.close()


class _Fetch:
    def __init__(
        self,
        client: httpx.Client,
        progress: Callable[[DownloadProgress], None],
        cancel: threading.Event,
        total: int | None,
    ) -> None:
        self.client = client
        self.progress = progress
        self.cancel = cancel
        self.total = total
        self.done = 0

    def get(self, url: str, path: Path, size: int | None, sha256: str) -> None:
        temporary = path.with_name(path.name + ".part")
        digest = hashlib.sha256()
        received = 0
        try:
            with self.client.stream("GET", url, follow_redirects=True) as response:
                if response.status_code != httpx.codes.OK:
                    raise ModelDownloadError(f"{url} answered HTTP {response.status_code}")
                with temporary.open("wb") as out:
                    for block in response.iter_bytes(1 << 16):
                        if self.cancel.is_set():
                            raise DownloadCancelledError("model download cancelled")
                        received += len(block)
                        if size is not None and received > size:
                            raise ChecksumMismatchError(f"{url} is larger than {size} bytes")
                        digest.update(block)
                        out.write(block)
                        self.done += len(block)
                        self.progress(DownloadProgress(path.name, self.done, self.total))
        except httpx.HTTPError as exc:
            raise ModelDownloadError(f"download of {url} failed: {exc}") from None
        if self.cancel.is_set():
            raise DownloadCancelledError("model download cancelled")
        if digest.hexdigest() != sha256:
            raise ChecksumMismatchError(
                f"{path.name} from {url} has checksum {digest.hexdigest()}, expected {sha256}; "
                "the file is corrupt or not the one we know, and was not installed"
            )
        temporary.rename(path)
