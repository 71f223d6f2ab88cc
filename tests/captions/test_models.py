"""Models: the package model, the catalogue, downloads from a local HTTP server."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from visio_desktop.captions import download as download_module
from visio_desktop.captions import models
from visio_desktop.captions.download import DownloadProgress, download_model, model_urls
from visio_desktop.captions.errors import (
    ChecksumMismatchError,
    DownloadCancelledError,
    ModelDownloadError,
    ModelUnavailableError,
)
from visio_desktop.captions.models import (
    CatalogueEntry,
    ModelFile,
    available_models,
    catalogue_entry,
    find_model,
    require_model,
    sha256_of,
)

BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"


def test_the_package_model_is_assembled_once_with_the_right_checksum(
    base_model: Path, models_folder: Path
) -> None:
    assert base_model == models_folder / "whisper-base"
    assert sha256_of([base_model / "model.bin"]) == BASE_SHA256
    marker = json.loads((base_model / models.MARKER).read_text())
    assert marker["sha256"]["model.bin"] == BASE_SHA256
    inode = (base_model / "model.bin").stat().st_ino
    assert find_model("whisper-base", models_folder) == base_model
    assert find_model("base", models_folder) == base_model  # alias
    assert (base_model / "model.bin").stat().st_ino == inode  # reused, not rebuilt
    assert find_model(str(base_model)) == base_model  # a path works too
    names = [(m.name, m.source) for m in available_models(models_folder)]
    assert names == [("whisper-base", "folder")]
    assert not [p for p in models_folder.iterdir() if p.name.startswith(".")]  # no leftovers


def test_packages_are_listed_before_assembly_and_a_bad_checksum_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert [(m.name, m.source, m.path) for m in available_models(tmp_path)] == [
        ("whisper-base", "package", None)
    ]
    base = catalogue_entry("whisper-base")
    assert base is not None
    wrong = tuple(replace(f, sha256="0" * 64) if f.name == "config.json" else f for f in base.files)
    monkeypatch.setattr(models, "CATALOGUE", (replace(base, files=wrong),))
    with pytest.raises(ChecksumMismatchError, match=r"config\.json"):
        find_model("whisper-base", tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing half-installed
    with pytest.raises(ModelUnavailableError, match="captions unavailable"):
        require_model("whisper-base", tmp_path)


def test_no_model_is_a_clear_unavailability(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = catalogue_entry("whisper-base")
    assert base is not None and base.package is not None
    gone = (("model.bin", (("no-such-distribution", "no_such_module", "model.bin"),)),)
    monkeypatch.setattr(
        models, "CATALOGUE", (replace(base, package=replace(base.package, parts=gone)),)
    )
    assert find_model("whisper-base", tmp_path) is None
    assert available_models(tmp_path) == []
    assert find_model(str(tmp_path / "nowhere"), tmp_path) is None
    with pytest.raises(ModelUnavailableError) as caught:
        require_model("whisper-base", tmp_path)
    message = caught.value.message
    assert message.startswith("captions unavailable: no speech model")
    assert "visio-desktop captions download" in message
    assert list(tmp_path.iterdir()) == []  # and nothing was downloaded


def test_the_models_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VISIO_MODELS_DIR", str(tmp_path))
    assert models.models_root() == tmp_path
    monkeypatch.delenv("VISIO_MODELS_DIR")
    assert models.models_root().parts[-2:] == ("visio-desktop", "models")


def test_catalogue_entries_say_what_they_are() -> None:
    for entry in models.CATALOGUE:
        assert entry.licence and entry.languages and entry.size > 0 and entry.repo
        assert {f.name for f in entry.files} == {
            "model.bin",
            "config.json",
            "tokenizer.json",
            "vocabulary.txt",
        }
    small = catalogue_entry("whisper-small")
    assert small is not None and not small.verified  # checksums unknown here: said so


# --- downloads, from a server on 127.0.0.1 -------------------------------------------------

FILES = {
    "model.bin": bytes(range(256)) * 1200,
    "config.json": b'{"test": true}',
    "tokenizer.json": b"{}",
    "vocabulary.txt": b"a\nb\n",
}


def fake_entry(sums: dict[str, str | None] | None = None) -> CatalogueEntry:
    sums = (
        sums if sums is not None else {n: hashlib.sha256(d).hexdigest() for n, d in FILES.items()}
    )
    return CatalogueEntry(
        name="test-model",
        title="test",
        languages=("en",),
        licence="MIT",
        size=sum(len(d) for d in FILES.values()),
        repo="acme/test-model",
        files=tuple(ModelFile(n, len(d), sums[n]) for n, d in FILES.items()),
    )


class Server:
    def __init__(self) -> None:
        self.files = dict(FILES)
        self.paths: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.paths.append(self.path)
                name = self.path.rsplit("/", 1)[-1]
                if (
                    not self.path.startswith("/mirror/acme/test-model/resolve/main/")
                    or name not in server.files
                ):
                    self.send_error(404)
                    return
                body = server.files[name]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/mirror"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setattr(models, "CATALOGUE", (fake_entry(),))
    running = Server()
    yield running
    running.close()


def test_download_from_a_mirror_with_progress(server: Server, tmp_path: Path) -> None:
    seen: list[DownloadProgress] = []
    folder = download_model(
        "test-model", root=tmp_path, mirror=server.url + "/", progress=seen.append
    )
    assert folder == tmp_path / "test-model"
    for name, data in FILES.items():
        assert (folder / name).read_bytes() == data
    assert server.paths == [f"/mirror/acme/test-model/resolve/main/{n}" for n in FILES]
    total = sum(len(d) for d in FILES.values())
    assert [p.done for p in seen] == sorted(p.done for p in seen)
    assert seen[-1].done == total and all(p.total == total for p in seen)
    assert {p.file for p in seen} == set(FILES)
    assert find_model("test-model", tmp_path) == folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test-model"]


def test_default_urls_are_hugging_face() -> None:
    urls = model_urls(fake_entry())
    assert urls["model.bin"] == "https://huggingface.co/acme/test-model/resolve/main/model.bin"


def test_a_corrupted_download_is_refused_and_nothing_is_installed(
    server: Server, tmp_path: Path
) -> None:
    server.files["model.bin"] = FILES["model.bin"][:-1] + b"X"
    with pytest.raises(ChecksumMismatchError, match=r"model\.bin"):
        download_model("test-model", root=tmp_path, mirror=server.url)
    assert list(tmp_path.iterdir()) == []
    assert find_model("test-model", tmp_path) is None


def test_a_file_larger_than_announced_is_cut_short(server: Server, tmp_path: Path) -> None:
    server.files["model.bin"] = FILES["model.bin"] * 2
    with pytest.raises(ChecksumMismatchError, match="larger"):
        download_model("test-model", root=tmp_path, mirror=server.url)
    assert list(tmp_path.iterdir()) == []


def test_cancel_stops_the_download_and_leaves_nothing(server: Server, tmp_path: Path) -> None:
    cancel = threading.Event()
    with pytest.raises(DownloadCancelledError):
        download_model(
            "test-model",
            root=tmp_path,
            mirror=server.url,
            progress=lambda _: cancel.set(),
            cancel=cancel,
        )
    assert list(tmp_path.iterdir()) == []
    assert len(server.paths) == 1


def test_missing_file_on_the_server(server: Server, tmp_path: Path) -> None:
    del server.files["vocabulary.txt"]
    with pytest.raises(ModelDownloadError, match="404"):
        download_model("test-model", root=tmp_path, mirror=server.url)
    assert list(tmp_path.iterdir()) == []


def test_unknown_checksums_are_refused_before_any_request(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sums: dict[str, str | None] = {n: hashlib.sha256(d).hexdigest() for n, d in FILES.items()}
    sums["model.bin"] = None
    monkeypatch.setattr(models, "CATALOGUE", (fake_entry(sums),))
    with pytest.raises(ModelDownloadError, match=r"no known checksum for model\.bin"):
        download_model("test-model", root=tmp_path, mirror=server.url)
    assert server.paths == []
    # checksums supplied by the administrator make it installable
    supplied = {"model.bin": hashlib.sha256(FILES["model.bin"]).hexdigest()}
    folder = download_model("test-model", root=tmp_path, mirror=server.url, checksums=supplied)
    assert (folder / "model.bin").read_bytes() == FILES["model.bin"]


def test_unknown_model_and_unreachable_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ModelDownloadError, match="unknown model"):
        download_model("no-such-model", root=tmp_path)
    monkeypatch.setattr(models, "CATALOGUE", (fake_entry(),))
    with pytest.raises(ModelDownloadError, match="failed"):
        download_model("test-model", root=tmp_path, mirror="http://127.0.0.1:9")
    assert list(tmp_path.iterdir()) == []
    assert download_module.DEFAULT_BASE_URL.startswith("https://")
