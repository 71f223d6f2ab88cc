"""The .deb: built from a real PyInstaller bundle, installed with apt-get, `--selftest` run
offscreen from /usr/bin, the visio:// handler registered, lintian clean, the copyright file
machine-readable and covering every bundled library and package, and nothing left after a
purge. Reproducibility is checked on a small stand-in bundle (the wrapping is what
build_deb controls). Slow (PyInstaller about a minute, lintian about a minute and a half, in
parallel with the install): CI runs it as root; elsewhere it is skipped."""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from installers.linux import build_deb
from visio_desktop import __version__

DEB_TOOLS = ("dpkg-deb", "dpkg-shlibdeps", "readelf", "chrpath", "apt-get", "lintian", "xdg-mime")
pytestmark = [
    pytest.mark.skipif(
        not hasattr(os, "geteuid") or os.geteuid() != 0,
        reason="installs a package: needs root (CI runs as root)",
    ),
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in DEB_TOOLS),
        reason=f"needs {', '.join(DEB_TOOLS)} (apt-get install dpkg-dev binutils chrpath "
        "lintian xdg-utils desktop-file-utils)",
    ),
    pytest.mark.timeout(900),
]
APT_ENV = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, env=env, check=False)


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """The real .deb, and lintian already running on it (it takes longest)."""
    work = tmp_path_factory.mktemp("deb")
    bundle = build_deb.build_bundle(work)
    package = build_deb.build_deb(bundle, work / "out", work)
    lintian = subprocess.Popen(
        ["lintian", "--fail-on", "error,warning", "--tag-display-limit", "0", str(package)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield package, lintian
    lintian.kill()
    lintian.wait()


def test_install_selftest_link_handler_and_purge(
    deb: tuple[Path, subprocess.Popen[str]], tmp_path: Path
) -> None:
    package, _ = deb
    info = run("dpkg-deb", "--field", str(package), "Depends").stdout
    assert info.startswith("libc6 (>= ") and "libportaudio2" in info
    assert len(info.split(",")) <= 12  # curated, not the 75 dpkg-shlibdeps would list
    try:
        installed = run("apt-get", "install", "-y", "-q", str(package), env=APT_ENV)
        assert installed.returncode == 0, installed.stdout + installed.stderr
        assert Path("/usr/bin/visio-desktop").resolve() == Path(
            "/usr/lib/visio-desktop/visio-desktop"
        )

        env = {k: v for k, v in os.environ.items() if not k.startswith(("VISIO_", "QT_"))}
        selftest = subprocess.run(
            ["/usr/bin/visio-desktop", "--selftest"],
            env={**env, "QT_QPA_PLATFORM": "offscreen"},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert selftest.returncode == 0, selftest.stdout + selftest.stderr
        assert selftest.stdout.splitlines()[-1].startswith("selftest: all ")

        desktop = Path("/usr/share/applications/visio-desktop.desktop")
        assert "Exec=visio-desktop open -- %u\n" in desktop.read_text()
        assert run("desktop-file-validate", str(desktop)).stdout == ""
        handler = run("xdg-mime", "query", "default", "x-scheme-handler/visio")
        assert handler.stdout.strip() == "visio-desktop.desktop"

        # What a launcher runs for a link that looks like an option: it stays a link.
        no_display = {k: v for k, v in env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
        hostile = subprocess.run(
            ["/usr/bin/visio-desktop", "open", "--", "--version"],
            env=no_display,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert __version__ not in hostile.stdout
        assert "no graphical display" in hostile.stderr

        listed = run("dpkg", "-L", "visio-desktop").stdout.splitlines()
        for path in (
            "/usr/share/icons/hicolor/256x256/apps/visio-desktop.png",
            "/usr/share/icons/hicolor/scalable/apps/visio-desktop.svg",
            "/usr/share/doc/visio-desktop/copyright",
            "/usr/share/doc/visio-desktop/THIRD_PARTY_NOTICES.md.gz",
            "/usr/share/doc/visio-desktop/changelog.Debian.gz",
            "/usr/share/doc/visio-desktop/examples/policy.toml",
            "/usr/share/man/man1/visio-desktop.1.gz",
        ):
            assert path in listed
        assert not Path("/etc/visio-desktop/policy.toml").exists()  # nothing set by default
    finally:
        purged = run("apt-get", "purge", "-y", "-q", "visio-desktop", env=APT_ENV)
    assert purged.returncode == 0, purged.stdout + purged.stderr
    assert run("dpkg", "-L", "visio-desktop").stdout == ""
    assert "is not installed" in run("dpkg", "-s", "visio-desktop").stderr
    assert not Path("/usr/lib/visio-desktop").exists()
    assert not Path("/usr/bin/visio-desktop").exists()
    assert run("xdg-mime", "query", "default", "x-scheme-handler/visio").stdout.strip() == ""


def test_lintian_is_clean_with_justified_overrides(
    deb: tuple[Path, subprocess.Popen[str]],
) -> None:
    _, lintian = deb
    output, _ = lintian.communicate()
    tags = [line for line in output.splitlines() if line[:2] in ("E:", "W:")]
    assert lintian.returncode == 0 and tags == [], output
    overrides = (Path(build_deb.HERE) / "lintian-overrides").read_text()
    for paragraph in overrides.split("\n\n"):
        lines = paragraph.strip().splitlines()
        if any(line.startswith("visio-desktop:") for line in lines):
            assert lines[0].startswith("#"), f"an override without its reason: {lines[0]}"


COPYRIGHT_FORMAT = "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
# A licence that only points at Debian's text must name the file it points at.
COMMON = {"LGPL-3": "LGPL-3", "LGPL-3+": "LGPL-3", "LGPL-2.1+": "LGPL-2.1", "LGPL-2+": "LGPL-2",
          "GPL-2+": "GPL-2", "Apache-2.0": "Apache-2.0", "MPL-2.0": "MPL-2.0"}  # fmt: skip


def paragraphs(text: str) -> list[dict[str, str]]:
    """A machine-readable copyright file's paragraphs: field -> value (continuations joined
    with newlines, a "." line meaning an empty line)."""
    parsed = []
    for block in text.strip("\n").split("\n\n"):
        fields: dict[str, str] = {}
        name = ""
        for line in block.split("\n"):
            if line.startswith(" "):
                assert name, f"a continuation line before any field: {line!r}"
                fields[name] += "\n" + ("" if line == " ." else line[1:])
            else:
                name, colon, value = line.partition(":")
                assert colon and re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", name), line
                assert name not in fields, f"{name} twice in a paragraph"
                fields[name] = value.strip()
        parsed.append(fields)
    return parsed


def licence_names(expression: str) -> list[str]:
    """The licences of a License field's first line: "A and B or C with X exception"."""
    return [name.strip() for name in re.split(r"\s+(?:and|or)\s+|,\s*", expression)]


def normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).strip("-").lower()


def test_copyright_is_machine_readable_and_covers_the_bundle(
    deb: tuple[Path, subprocess.Popen[str]], tmp_path: Path
) -> None:
    package, _ = deb
    doc = "./usr/share/doc/visio-desktop/"
    wanted = [f"{doc}copyright", f"{doc}THIRD_PARTY_NOTICES.md.gz"]
    with subprocess.Popen(
        ["dpkg-deb", "--fsys-tarfile", str(package)], stdout=subprocess.PIPE
    ) as out:
        subprocess.run(["tar", "-x", "-C", str(tmp_path), *wanted], stdin=out.stdout, check=True)
    text = (tmp_path / doc / "copyright").read_text(encoding="utf-8")
    assert text.startswith(f"Format: {COPYRIGHT_FORMAT}\n")
    assert "\t" not in text and "\r" not in text and "@SYSTEM_LIBRARIES@" not in text
    header, *rest = paragraphs(text)
    assert header["Upstream-Name"] == "visio-desktop" and "Files" not in header
    files = [p for p in rest if "Files" in p]
    standalone = [p for p in rest if "Files" not in p]
    assert files[0]["Files"] == "*" and files[0]["License"] == "Expat"
    assert "The visio-desktop contributors" in files[0]["Copyright"]
    assert all(set(p) == {"License"} for p in standalone), "a paragraph that is neither kind"
    texts = {p["License"].split("\n", 1)[0]: p["License"] for p in standalone}
    assert len(texts) == len(standalone), "a standalone License paragraph named twice"
    used = set()
    for paragraph in files:
        assert {"Files", "Copyright", "License"} <= set(paragraph), paragraph
        first, _, own_text = paragraph["License"].partition("\n")
        for name in licence_names(first):
            assert own_text or name in texts, f"no text for {name} ({paragraph['Files']})"
            used.add(name)
    assert set(texts) <= used, f"unused licence paragraphs: {set(texts) - used}"
    for name, body in texts.items():
        if name in COMMON:
            pointer = f"/usr/share/common-licenses/{COMMON[name]}"
            assert pointer in body and Path(pointer).is_file(), name
        assert len(body.split("\n")) > 2, f"{name} has no text"
    assert {"LGPL-3", "LGPL-3+", "GPL-2+"} <= used  # Qt, FFmpeg, x264

    # Every shared library of the bundle has a paragraph of its own (not the project's "*"), and
    # every Python package's metadata folder is named in the copyright file and the notices.
    patterns = [pattern for p in files[1:] for pattern in p["Files"].split()]
    contents = run("dpkg-deb", "--contents", str(package)).stdout.splitlines()
    bundled = [
        line.split()[-1].removeprefix("./usr/lib/visio-desktop/")
        for line in contents
        if line.startswith("-") and "./usr/lib/visio-desktop/_internal/" in line
    ]
    libraries = [path for path in bundled if re.search(r"\.so(\.|$)", path)]
    assert len(libraries) > 100
    uncovered = [p for p in libraries if not any(fnmatch.fnmatchcase(p, g) for g in patterns)]
    assert uncovered == []
    distributions = {
        normalised(path.split("/")[1].removesuffix(".dist-info").rsplit("-", 1)[0])
        for path in bundled
        if path.split("/")[1].endswith(".dist-info")
    }
    assert {"pyside6-essentials", "aiortc", "av", "onnxruntime", "ctranslate2"} <= distributions
    notices = (build_deb.ROOT / "THIRD_PARTY_NOTICES.md").read_text(encoding="utf-8")
    for document in (text, notices):
        words = {normalised(word) for word in re.findall(r"[A-Za-z0-9][\w.-]*", document)}
        assert distributions - words == set()
    assert "_internal/onnxruntime/ThirdPartyNotices.txt" in bundled
    gz = tmp_path / doc / "THIRD_PARTY_NOTICES.md.gz"
    assert gzip.decompress(gz.read_bytes()).decode() == notices


def test_the_wrapping_is_reproducible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "bundle"
    (bundle / "_internal" / "resources").mkdir(parents=True)
    shutil.copy(shutil.which("true") or "/bin/true", bundle / "visio-desktop")
    (bundle / "_internal" / "resources" / "note.txt").write_text("stand-in\n")
    built = []
    for attempt, epoch in enumerate(("1700000000", "1700000000", "1800000000")):
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        (bundle / "visio-desktop").touch()  # the bundle's own times do not matter
        built.append(build_deb.build_deb(bundle, tmp_path / f"out{attempt}", tmp_path / "work"))
    assert sha256(built[0]) == sha256(built[1])
    assert sha256(built[0]) != sha256(built[2])
    contents = run("dpkg-deb", "--contents", str(built[0])).stdout.splitlines()
    assert all(" root/root " in line for line in contents)
    assert all("2023-11-14" in line for line in contents)
    control = run("dpkg-deb", "--field", str(built[0]), "Depends").stdout.strip()
    assert control.startswith("libc6 (>= 2.")
