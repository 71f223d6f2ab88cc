"""The .msi, built with wixl from a small stand-in folder: its tables (protocol and policy
registry rows, shortcut, upgrade, secure properties, stable GUIDs, the licence files beside the
program), then, under wine, a silent install with properties, a major upgrade that keeps them,
and an uninstall that leaves nothing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from installers.windows import build_msi
from visio_desktop.core.policy import REGISTRY_KEY, REGISTRY_NAMES, parse_policy, registry_data

pytestmark = pytest.mark.skipif(
    shutil.which("wixl") is None or shutil.which("msiinfo") is None,
    reason="wixl and msiinfo are not installed (apt-get install wixl msitools)",
)

PROPERTIES = {  # MSI property -> registry value the app reads
    "SERVERURL": "DefaultServer",
    "ALLOWEDSERVERS": "AllowedServers",
    "ALLOWUNKNOWNSERVERS": "AllowUnknownServers",
    "CAPTIONS": "Captions",
    "MODELMIRROR": "ModelMirror",
    "PROXY": "Proxy",
    "CABUNDLE": "ExtraCABundle",
    "DEFAULTACCESS": "DefaultAccess",
}


def stand_in(folder: Path) -> Path:
    """A few files shaped like the PyInstaller folder, with a fake executable."""
    (folder / "_internal" / "PySide6 plugins").mkdir(parents=True)
    (folder / "visio-desktop.exe").write_bytes(b"MZ not really a program")
    (folder / "_internal" / "python311.dll").write_bytes(b"MZ not really a library")
    (folder / "_internal" / "PySide6 plugins" / "qoffscreen.dll").write_bytes(b"MZ plugin")
    return folder


def table(msi: Path, name: str) -> list[list[str]]:
    """The rows of one table, as `msiinfo export` prints them (three header lines)."""
    out = subprocess.run(
        ["msiinfo", "export", str(msi), name], check=True, capture_output=True, text=True
    ).stdout
    return [line.split("\t") for line in out.replace("\r", "").splitlines()[3:]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("msi")
    bundle = stand_in(folder / "bundle")
    first = build_msi.build_msi(bundle, folder / "v1.msi", "0.1.0")
    second = build_msi.build_msi(bundle, folder / "v2.msi", "0.2.0")
    return bundle, first, second


def test_the_protocol_is_registered_per_machine(built: tuple[Path, Path, Path]) -> None:
    rows = {(r[2], r[3]): r for r in table(built[1], "Registry")}
    assert rows[("SOFTWARE\\Classes\\visio", "")][1:5] == [
        "2",  # HKLM
        "SOFTWARE\\Classes\\visio",
        "",
        "URL:Visio meeting link",
    ]
    assert rows[("SOFTWARE\\Classes\\visio", "URL Protocol")][4] == ""
    command = rows[("SOFTWARE\\Classes\\visio\\shell\\open\\command", "")]
    assert command[1] == "2"
    assert command[4] == '"[INSTALLDIR]visio-desktop.exe" open -- "%1"'


def test_each_public_property_is_written_where_the_app_reads_policy(
    built: tuple[Path, Path, Path],
) -> None:
    key = REGISTRY_KEY
    written = {r[3]: r[4] for r in table(built[1], "Registry") if r[1] == "2" and r[2] == key}
    assert written == {name: f"[{prop}]" for prop, name in PROPERTIES.items()}
    assert set(PROPERTIES.values()) == set(REGISTRY_NAMES)  # the names policy.py reads
    searched = {r[3]: r[0] for r in table(built[1], "RegLocator") if r[2] == key}
    assert set(searched) == set(PROPERTIES.values())
    secure = dict(table(built[1], "Property"))["SecureCustomProperties"].split(";")
    assert set(PROPERTIES) <= set(secure)
    assert dict(table(built[1], "Property"))["ALLUSERS"] == "1"


def test_upgrades_keep_the_admins_values(built: tuple[Path, Path, Path]) -> None:
    actions = {r[0]: r for r in table(built[1], "CustomAction")}
    sequence = {r[0]: r for r in table(built[1], "InstallExecuteSequence")}
    app_search = int(sequence["AppSearch"][2])
    for prop in PROPERTIES:
        keep = next(a for a in actions.values() if a[2] == prop)
        assert int(keep[1]) & 0x3F == 51  # set a property
        assert keep[3] == f"[KEPT_{prop}]"
        condition, step = sequence[keep[0]][1], int(sequence[keep[0]][2])
        assert condition == f"KEPT_{prop} AND NOT {prop}"
        assert app_search < step < int(sequence["CostInitialize"][2])
    upgrade = table(built[1], "Upgrade")
    codes = {r[0] for r in upgrade}
    assert codes == {"{4E1E2F7D-BD9A-583C-8A3B-54D0F7289898}"}
    assert any(r[-1] == "WIX_UPGRADE_DETECTED" for r in upgrade)
    assert "RemoveExistingProducts" in sequence


def test_start_menu_shortcut(built: tuple[Path, Path, Path]) -> None:
    (shortcut,) = table(built[1], "Shortcut")
    assert shortcut[1:3] == ["ProgramMenuFolder", "Visio"]
    assert shortcut[4] == "[INSTALLDIR]visio-desktop.exe"


def test_the_licences_are_beside_the_program(built: tuple[Path, Path, Path]) -> None:
    """LICENSE.txt and THIRD_PARTY_NOTICES.txt in the program's folder, and every text of
    licenses/ in its licenses subfolder, each file unchanged from the repository."""
    msi = built[1]
    components = {r[0]: r[2] for r in table(msi, "Component")}  # component -> folder
    folders = {r[0]: (r[1], r[2].split("|")[-1]) for r in table(msi, "Directory")}
    placed = {
        (components[r[1]], r[2].split("|")[-1]): int(r[3]) for r in table(msi, "File")
    }  # (folder, long name) -> size
    program = next(folder for folder, name in placed if name == "visio-desktop.exe")
    root = build_msi.ROOT
    assert placed[(program, "LICENSE.txt")] == (root / "LICENSE").stat().st_size
    notices = root / "THIRD_PARTY_NOTICES.md"
    assert placed[(program, "THIRD_PARTY_NOTICES.txt")] == notices.stat().st_size
    (licences,) = [key for key, (parent, name) in folders.items() if name == "licenses"]
    assert folders[licences][0] == program
    texts = {path.name: path.stat().st_size for path in (root / "licenses").iterdir()}
    assert {"LGPL-3.0.txt", "GPL-3.0.txt", "GPL-2.0.txt"} <= set(texts)
    assert {name: size for (folder, name), size in placed.items() if folder == licences} == texts
    assert "MIT License" in (root / "LICENSE").read_text(encoding="utf-8")


def test_component_guids_are_stable(built: tuple[Path, Path, Path], tmp_path: Path) -> None:
    bundle, first, second = built
    files = {r[0]: r for r in table(first, "File")}
    components = {r[0]: r[1] for r in table(first, "Component")}
    assert components == {r[0]: r[1] for r in table(second, "Component")}  # across versions
    exe = next(r for r in files.values() if r[2] == "visio-desktop.exe")
    assert components[exe[1]] == "{" + build_msi.component_guid("visio-desktop.exe") + "}"
    elsewhere = stand_in(tmp_path / "another" / "folder")
    assert build_msi.harvest(elsewhere) == build_msi.harvest(bundle)


# -- wine -------------------------------------------------------------------------------------


@pytest.fixture
def wine(tmp_path: Path) -> Iterator[dict[str, str]]:
    if shutil.which("wine") is None or shutil.which("wineserver") is None:
        pytest.skip("wine is not installed (apt-get install wine wine64)")
    env = {
        **os.environ,
        "WINEPREFIX": str(tmp_path / "wine"),
        "WINEDEBUG": "-all",
        "WINEDLLOVERRIDES": "mscoree,mshtml=",  # no Mono or Gecko installer prompts
    }
    wine_run(env, "wineboot", "--init")
    yield env
    subprocess.run(["wineserver", "-k"], env=env, check=False, capture_output=True)


def wine_run(env: dict[str, str], *command: str) -> subprocess.CompletedProcess[str]:
    """Run a wine command and wait until the prefix is idle (wineserver -w), so the next step
    sees everything the last one wrote."""
    result = subprocess.run(
        ["wine", *command] if command[0] != "wineboot" else list(command),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    subprocess.run(["wineserver", "-w"], env=env, check=True)
    return result


def policy_values(env: dict[str, str]) -> dict[str, str] | None:
    """The policy key's values as `reg query` shows them, or None when there is no key."""
    result = wine_run(env, "reg", "query", f"HKLM\\{REGISTRY_KEY}", "/reg:64")
    if result.returncode != 0:
        return None
    values = {}
    for line in result.stdout.replace("\r", "").splitlines():
        match = re.match(r"^\s{4}(\S+)\s{4}REG_SZ\s{4}?(.*)$", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def test_install_upgrade_uninstall_under_wine(
    built: tuple[Path, Path, Path], wine: dict[str, str]
) -> None:
    _, first, second = built
    program = Path(wine["WINEPREFIX"]) / "drive_c" / "Program Files" / "Visio"
    install = wine_run(
        wine, "msiexec", "/i", str(first), "/qn",
        "SERVERURL=https://visio.interieur.gouv.fr",
        "ALLOWEDSERVERS=*.interieur.gouv.fr;visio.culture.gouv.fr",
        "ALLOWUNKNOWNSERVERS=0", "CAPTIONS=fr",
    )  # fmt: skip
    assert install.returncode == 0, install.stderr
    assert (program / "visio-desktop.exe").is_file()
    assert (program / "_internal" / "PySide6 plugins" / "qoffscreen.dll").is_file()
    root = build_msi.ROOT
    assert (program / "LICENSE.txt").read_bytes() == (root / "LICENSE").read_bytes()
    notices = (root / "THIRD_PARTY_NOTICES.md").read_bytes()
    assert (program / "THIRD_PARTY_NOTICES.txt").read_bytes() == notices
    installed = sorted(path.name for path in (program / "licenses").iterdir())
    assert installed == sorted(path.name for path in (root / "licenses").iterdir())
    assert list(Path(wine["WINEPREFIX"]).rglob("Visio.lnk"))
    command = wine_run(wine, "reg", "query", r"HKLM\SOFTWARE\Classes\visio\shell\open\command")
    assert r'"C:\Program Files\Visio\visio-desktop.exe" open -- "%1"' in command.stdout

    values = policy_values(wine)
    assert values is not None
    assert values["DefaultServer"] == "https://visio.interieur.gouv.fr"
    assert values["Proxy"] == ""  # not given: written empty, which the app reads as unset
    data, problems = registry_data([(name, value, 1) for name, value in values.items()])
    policy, found = parse_policy(data)
    assert problems == found == []
    assert policy.allowed_servers == ("*.interieur.gouv.fr", "visio.culture.gouv.fr")
    assert policy.allow_unknown_servers is False and policy.captions_language == "fr"
    assert policy.proxy == "" and policy.invalid == frozenset()

    upgrade = wine_run(wine, "msiexec", "/i", str(second), "/qn", "CAPTIONS=off")
    assert upgrade.returncode == 0, upgrade.stderr
    kept = policy_values(wine)
    assert kept == {**values, "Captions": "off"}
    listed = wine_run(
        wine, "reg", "query", r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall", "/s"
    )
    versions = re.findall(r"DisplayVersion\s+REG_SZ\s+(\S+)", listed.stdout)
    assert "0.2.0" in versions and "0.1.0" not in versions

    remove = wine_run(wine, "msiexec", "/x", str(second), "/qn")
    assert remove.returncode == 0, remove.stderr
    assert policy_values(wine) is None
    assert not program.exists()
    assert not list(Path(wine["WINEPREFIX"]).rglob("Visio.lnk"))
    gone = wine_run(wine, "reg", "query", r"HKLM\SOFTWARE\Classes\visio")
    assert gone.returncode != 0
