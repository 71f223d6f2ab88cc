#!/usr/bin/env python3
"""Build the .deb from the PyInstaller one-folder bundle, in one command.

    python installers/linux/build_deb.py                  # PyInstaller, then dist/*.deb
    python installers/linux/build_deb.py --bundle DIR     # wrap an existing bundle
    python installers/linux/build_deb.py --xz             # smaller, much slower to build

Layout: the bundle in /usr/lib/visio-desktop, a /usr/bin/visio-desktop link, a .desktop file
that handles `visio://` links (`Exec=visio-desktop open -- %u`: a link never becomes options),
hicolor icons rendered from resources/icons/app.svg, a man page, a changelog, an example policy
in /usr/share/doc/visio-desktop/examples (documentation: it sets nothing), THIRD_PARTY_NOTICES.md
and the machine-readable copyright file: installers/linux/copyright, one paragraph per bundled
part, plus one generated for the libraries PyInstaller copied from the build machine's Debian
packages (each named with its version). A shared library that neither covers stops the build.
desktop-file-utils' and hicolor-icon-theme's triggers register the scheme and the icons, so
there are no maintainer scripts.

Depends is curated (CURATED_DEPENDS): the libraries the bundle links to but does not carry, plus
PortAudio, which sounddevice loads at run time. Every build checks that each library the bundle
needs is either inside it or comes from a curated package, and takes the versions from
dpkg-shlibdeps (libc6's from the newest GLIBC symbol version used). A new external library makes
the build fail, naming it, rather than ship a package that cannot start.

Reproducible: SOURCE_DATE_EPOCH (default: the last commit's time) sets every file's time and
the changelog's date; owners are root, modes normalised, gzip headers carry no time or name.
The same bundle and epoch give the same .deb, byte for byte; PyInstaller, run with a fixed
PYTHONHASHSEED and the same epoch, gives the same bundle from the same sources and environment.
Never strip the bundle (numpy's patched libraries break).
"""

from __future__ import annotations

import argparse
import fnmatch
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
from email.utils import formatdate
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script: `installers` and `visio_desktop` importable

from installers import icons  # noqa: E402

PACKAGE = "visio-desktop"
# The usual Debian variables name the maintainer; the default is a placeholder to replace.
MAINTAINER = (
    f"{os.environ.get('DEBFULLNAME', 'visio-desktop packagers')} "
    f"<{os.environ.get('DEBEMAIL', 'packagers@visio-desktop.invalid')}>"
)
CURATED_DEPENDS = (
    "libc6",
    "libegl1",
    "libgl1",
    "libxcb1",
    "libwayland-client0",
    "libwayland-cursor0",
    "libwayland-egl1",
    "libportaudio2",  # loaded by sounddevice at run time (not linked, so not found below)
    "libopus0",  # loaded by rtc/opus.py at run time (ctypes), for FEC and concealment
    "fontconfig-config",  # /etc/fonts for the bundled libfontconfig
)
RECOMMENDS = ("fonts-dejavu-core", "xdg-utils")
GLIBC_LIBRARIES = re.compile(r"(ld-linux.*|lib(c|m|mvec|dl|pthread|rt|resolv|util)\.so.*)")
DESCRIPTION = """\
sovereign video meeting client, with on-device captions
 Visio joins video meetings from visio:// and https:// links: a grid of video
 tiles, screen sharing, chat, raised hands, and live captions computed on this
 computer, so that no audio goes to a third-party service. It also contains a
 small meeting server. Administrators can pre-configure it with a system policy
 in /etc/visio-desktop/policy.toml (default server, allowed servers, captions,
 proxy, certificate authority)."""
DESKTOP_ENTRY = """\
[Desktop Entry]
Type=Application
Version=1.4
Name=Visio
GenericName=Video meeting
GenericName[fr]=Visioconférence
Comment=Join video meetings with live captions
Comment[fr]=Rejoindre des visioconférences avec sous-titres en direct
Exec=visio-desktop open -- %u
Icon=visio-desktop
Terminal=false
StartupNotify=true
StartupWMClass=visio-desktop
Categories=Network;VideoConference;
Keywords=meeting;video;conference;visio;captions;
Keywords[fr]=réunion;visio;visioconférence;sous-titres;
MimeType=x-scheme-handler/visio;
"""
# The machine-readable copyright file; build_deb adds the paragraph of the Debian libraries that
# PyInstaller copied from the build machine in place of this line.
COPYRIGHT = HERE / "copyright"
DEBIAN_LIBRARIES = "@SYSTEM_LIBRARIES@\n\n"


def run(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command and return its output; on failure, stop with the end of its errors."""
    args = [str(part) for part in command]
    result = subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env, check=False)
    if result.returncode != 0:
        name = Path(args[0]).name
        raise SystemExit(
            f"build_deb: {name} failed ({result.returncode}):\n{result.stderr[-4000:]}"
        )
    return result.stdout


def source_date_epoch() -> int:
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return int(os.environ["SOURCE_DATE_EPOCH"])
    try:
        return int(run("git", "-C", ROOT, "log", "-1", "--format=%ct").strip())
    except (OSError, SystemExit, ValueError):
        return 0


def build_bundle(work: Path) -> Path:
    """Compile the translations and run PyInstaller with the shared spec; the bundle folder.
    A fixed hash seed and SOURCE_DATE_EPOCH make PyInstaller's output the same each time."""
    run(sys.executable, ROOT / "tools" / "i18n.py", "build")
    dist = work / "pyinstaller-dist"
    env = {**os.environ, "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": str(source_date_epoch())}
    run(
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--distpath", dist, "--workpath", work / "pyinstaller-work",
        ROOT / "installers" / "pyinstaller" / "visio-desktop.spec",
        env=env,
    )  # fmt: skip
    return dist / PACKAGE


# -- dependencies ------------------------------------------------------------------------------


def elf_files(folder: Path) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as file:
                if file.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def dynamic_entries(files: list[Path], tag: str) -> dict[Path, list[str]]:
    """Each ELF file's values for a dynamic-section tag such as NEEDED (one readelf call)."""
    out = run("readelf", "-d", "--wide", *files)
    entries: dict[Path, list[str]] = {}
    current = files[0]
    for line in out.splitlines():
        if line.startswith("File: "):
            current = Path(line[6:].strip())
        elif f"({tag})" in line:
            entries.setdefault(current, []).append(line.rsplit("[", 1)[1].rstrip("]"))
    return entries


def drop_foreign_runpaths(files: list[Path]) -> None:
    """Remove RUNPATH/RPATH entries that point outside the bundle (a pyenv-built Python
    carries its build folder): at best useless on the user's machine, at worst a place to
    plant libraries. `$ORIGIN` entries stay."""
    for tag in ("RUNPATH", "RPATH"):
        for path, values in dynamic_entries(files, tag).items():
            parts = [part for value in values for part in value.split(":") if part]
            kept = [part for part in parts if part.startswith("$ORIGIN")]
            if kept != parts:
                if shutil.which("chrpath") is None:
                    raise SystemExit("build_deb: chrpath is needed: apt-get install chrpath")
                run("chrpath", *(["-r", ":".join(kept)] if kept else ["-d"]), path)


def newest_glibc(files: list[Path]) -> str:
    out = run("readelf", "-V", "--wide", *files)
    versions = {tuple(int(p) for p in v.split(".")) for v in re.findall(r"GLIBC_(\d+\.\d+)", out)}
    return ".".join(str(p) for p in max(versions))


def package_of(library: str) -> str:
    """The installed Debian package that ships `library` (by its soname), or raise."""
    cache = run("ldconfig", "-p")
    match = re.search(rf"^\s*{re.escape(library)} \(.*x86-64.*\) => (\S+)$", cache, re.M)
    if match is None:
        raise SystemExit(f"build_deb: {library} is needed by the bundle but not installed here")
    path = Path(match.group(1))
    for candidate in (path, Path("/usr") / path.relative_to("/"), path.resolve()):
        command = ["dpkg", "-S", str(candidate)]
        found = subprocess.run(command, capture_output=True, text=True, check=False)
        if found.returncode == 0:
            return found.stdout.split(":", 1)[0]
    raise SystemExit(f"build_deb: no installed package ships {path}")


def compute_depends(bundle: Path) -> str:
    """The curated Depends line; fails if the bundle needs a library from another package.
    Also drops foreign RUNPATHs from the bundle (a staged copy: the source stays as it was)."""
    files = elf_files(bundle)
    drop_foreign_runpaths(files)
    carried = {path.name for path in bundle.rglob("*.so*")}
    users: dict[str, list[Path]] = {}
    for path, names in dynamic_entries(files, "NEEDED").items():
        for name in set(names) - carried:
            users.setdefault(name, []).append(path)
    packages = {name: package_of(name) for name in users}
    stray = {name: pkg for name, pkg in packages.items() if pkg not in CURATED_DEPENDS}
    if stray:
        listed = ", ".join(f"{name} ({pkg})" for name, pkg in sorted(stray.items()))
        raise SystemExit(f"build_deb: the bundle links to {listed}; curate CURATED_DEPENDS")
    versions = {"libc6": f"libc6 (>= {newest_glibc(files)})"}
    linkers = sorted({p for n, ps in users.items() if not GLIBC_LIBRARIES.fullmatch(n) for p in ps})
    if linkers:
        dirs = sorted({f"-l{path.parent}" for path in bundle.rglob("*.so*")})
        shlibdeps = _shlibdeps(dirs, linkers)
        for entry in shlibdeps.split(","):
            name = entry.strip().split(" ", 1)[0]
            if name in CURATED_DEPENDS and name != "libc6":
                versions[name] = entry.strip()
    return ", ".join(versions.get(name, name) for name in CURATED_DEPENDS)


def _shlibdeps(dirs: list[str], files: list[Path]) -> str:
    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"{PACKAGE}-shlibdeps-{os.getpid()}"
    (scratch / "debian").mkdir(parents=True, exist_ok=True)
    (scratch / "debian" / "control").write_text(
        f"Source: {PACKAGE}\n\nPackage: {PACKAGE}\nArchitecture: any\n"
    )
    try:
        out = run("dpkg-shlibdeps", "-O", "--ignore-missing-info", *dirs, *files, cwd=scratch)
    finally:
        shutil.rmtree(scratch)
    return out.strip().removeprefix("shlibs:Depends=")


# -- copyright ---------------------------------------------------------------------------------


def files_patterns(copyright_text: str) -> list[str]:
    """Every pattern of the Files fields of a machine-readable copyright file, in order."""
    patterns: list[str] = []
    for paragraph in copyright_text.split("\n\n"):
        if paragraph.startswith("Files:"):
            field = paragraph.split("\n")[0][6:]
            for line in paragraph.split("\n")[1:]:
                if not line.startswith(" "):
                    break
                field += " " + line
            patterns += field.split()
    return patterns


def copyright_file(bundle: Path) -> str:
    """installers/linux/copyright, with a Files paragraph for the shared libraries that no
    paragraph names, each of which must come from an installed Debian package (PyInstaller
    copies them from the build machine): the package and its version go in the Comment. A
    library that no paragraph names and no package ships stops the build, naming it."""
    text = COPYRIGHT.read_text(encoding="utf-8")
    named = [pattern for pattern in files_patterns(text) if pattern != "*"]
    others = sorted(
        path.relative_to(bundle).as_posix()
        for path in bundle.rglob("*.so*")
        if path.is_file() and not path.is_symlink()
        and not any(fnmatch.fnmatchcase(path.relative_to(bundle).as_posix(), p) for p in named)
    )  # fmt: skip
    return text.replace(DEBIAN_LIBRARIES, _debian_paragraph(others) if others else "")


def _debian_paragraph(libraries: list[str]) -> str:
    names = {Path(relative).name for relative in libraries}
    found = subprocess.run(
        ["dpkg", "-S", *(f"*/{name}" for name in sorted(names))],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    owners: dict[str, str] = {}
    for line in found.splitlines():
        packages, _, path = line.partition(": ")
        if not line.startswith("diversion ") and Path(path).name in names:
            owners.setdefault(Path(path).name, packages.split(",")[0].strip())
    stray = [relative for relative in libraries if Path(relative).name not in owners]
    if stray:
        raise SystemExit(
            f"build_deb: no paragraph of {COPYRIGHT.relative_to(ROOT)} names {', '.join(stray)}"
            " and no installed Debian package ships it: add a paragraph"
        )
    versions = run(
        "dpkg-query", "-W", "-f", "${binary:Package}\t${Version}\t${source:Package}\n",
        *sorted(set(owners.values())),
    )  # fmt: skip
    comment = []
    for line in sorted(versions.splitlines()):
        package, version, source = line.split("\t")
        shipped = sorted(name for name, owner in owners.items() if owner == package)
        if shipped:
            name = package.split(":")[0]
            comment.append(f" {name} {version} (source {source}): {', '.join(shipped)}")
    files = "\n ".join(libraries)
    return (
        f"Files: {files}\n"
        "Copyright: the copyright holders named in each Debian package's copyright file\n"
        "License: other-debian\n"
        "Comment: Copied by PyInstaller from these Debian packages of the build machine:\n"
        + "\n".join(comment)
        + "\n\n"
    )


# -- the package tree --------------------------------------------------------------------------


def stage(bundle: Path, root: Path, version: str, epoch: int) -> None:
    """Lay out the package's files under `root` (DEBIAN/ included), times and modes set."""
    if root.exists():
        shutil.rmtree(root)
    usr = root / "usr"
    shutil.copytree(bundle, usr / "lib" / PACKAGE, symlinks=True)
    (usr / "bin").mkdir(parents=True)
    (usr / "bin" / PACKAGE).symlink_to(f"../lib/{PACKAGE}/{PACKAGE}")
    write(usr / "share" / "applications" / f"{PACKAGE}.desktop", DESKTOP_ENTRY)
    icons.hicolor_icons(usr / "share" / "icons" / "hicolor")
    man = (HERE / "visio-desktop.1").read_bytes()
    write(usr / "share" / "man" / "man1" / f"{PACKAGE}.1.gz", gzip.compress(man, 9, mtime=0))
    doc = usr / "share" / "doc" / PACKAGE
    write(doc / "copyright", copyright_file(usr / "lib" / PACKAGE))
    notices = (ROOT / "THIRD_PARTY_NOTICES.md").read_bytes()
    write(doc / "THIRD_PARTY_NOTICES.md.gz", gzip.compress(notices, 9, mtime=0))
    write(
        doc / "changelog.Debian.gz", gzip.compress(changelog(version, epoch).encode(), 9, mtime=0)
    )
    write(
        doc / "examples" / "policy.toml", (ROOT / "installers" / "policy.example.toml").read_bytes()
    )
    overrides = (HERE / "lintian-overrides").read_text()
    write(usr / "share" / "lintian" / "overrides" / PACKAGE, overrides)


def write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)


def changelog(version: str, epoch: int) -> str:
    date = formatdate(epoch, usegmt=False).replace("-0000", "+0000")
    return (
        f"{PACKAGE} ({version}) unstable; urgency=medium\n\n"
        "  * Package built from the PyInstaller bundle by installers/linux/build_deb.py.\n\n"
        f" -- {MAINTAINER}  {date}\n"
    )


def normalise(root: Path, epoch: int) -> None:
    """Modes (0755 folders and programs, 0644 the rest, shared objects included), times."""
    executable = root / "usr" / "lib" / PACKAGE / PACKAGE
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_symlink():
            os.utime(path, (epoch, epoch), follow_symlinks=False)
            continue
        path.chmod(0o755 if path.is_dir() or path == executable else 0o644)
        os.utime(path, (epoch, epoch))
    root.chmod(0o755)
    os.utime(root, (epoch, epoch))


def control(root: Path, version: str, depends: str) -> str:
    files = [p for p in root.rglob("*") if not p.is_symlink() and not p.is_dir()]
    size_kib = sum((p.stat().st_size + 1023) // 1024 for p in files) + len(files) // 4
    architecture = run("dpkg", "--print-architecture").strip()
    return (
        f"Package: {PACKAGE}\nVersion: {version}\nArchitecture: {architecture}\n"
        f"Maintainer: {MAINTAINER}\nInstalled-Size: {size_kib}\nDepends: {depends}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\nSection: net\nPriority: optional\n"
        f"Description: {DESCRIPTION}\n"
    )


def md5sums(root: Path) -> str:
    lines = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            digest = hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()
            lines.append(f"{digest}  {path.relative_to(root).as_posix()}\n")
    return "".join(lines)


def build_deb(bundle: Path, output: Path, work: Path, *, xz: bool = False) -> Path:
    """Wrap `bundle` into output/visio-desktop_<version>_<arch>.deb and return its path."""
    from visio_desktop import __version__  # noqa: PLC0415

    if not (bundle / PACKAGE).is_file():
        raise SystemExit(f"build_deb: {bundle} is not a PyInstaller bundle of {PACKAGE}")
    version, epoch = f"{__version__}-1", source_date_epoch()
    root = work / "deb-root"
    stage(bundle, root, version, epoch)
    depends = compute_depends(root / "usr" / "lib" / PACKAGE)
    write(root / "DEBIAN" / "md5sums", md5sums(root))
    write(root / "DEBIAN" / "control", control(root, version, depends))
    normalise(root, epoch)
    output.mkdir(parents=True, exist_ok=True)
    architecture = run("dpkg", "--print-architecture").strip()
    deb = output / f"{PACKAGE}_{version}_{architecture}.deb"
    compression = ["-Zxz", "-z6"] if xz else ["-Zgzip", "-z6"]
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    run("dpkg-deb", "--root-owner-group", *compression, "--build", root, deb, env=env)
    shutil.rmtree(root)
    return deb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the visio-desktop .deb.")
    parser.add_argument("--bundle", type=Path, help="an existing PyInstaller bundle folder")
    parser.add_argument("--output", type=Path, default=ROOT / "dist", help="default: dist/")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "deb", help="scratch")
    parser.add_argument("--xz", action="store_true", help="xz instead of gzip (slow)")
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    bundle = args.bundle or build_bundle(args.work)
    deb = build_deb(bundle.resolve(), args.output.resolve(), args.work.resolve(), xz=args.xz)
    print(deb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
