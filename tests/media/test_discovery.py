"""Device discovery: v4l2 nodes from a fake sysfs, dshow and avfoundation listings, PortAudio
lists, identifiers that survive re-listing, and the watcher's changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from visio_desktop.media.discovery import (
    DeviceId,
    DeviceWatcher,
    Inventory,
    list_audio,
    list_cameras,
    parse_avfoundation_devices,
    parse_dshow_devices,
    take_inventory,
    v4l2_cameras,
)


def fake_v4l2(root: Path, nodes: dict[str, tuple[str, str]]) -> tuple[Path, Path]:
    sysfs, dev = root / "sys", root / "dev"
    dev.mkdir()
    for node, (name, index) in nodes.items():
        (dev / node).touch()
        (sysfs / node).mkdir(parents=True)
        (sysfs / node / "name").write_text(name + "\n")
        (sysfs / node / "index").write_text(index + "\n")
    return sysfs, dev


def test_v4l2_lists_capture_nodes_with_names_and_numbers_twins(tmp_path: Path) -> None:
    sysfs, dev = fake_v4l2(
        tmp_path,
        {
            "video0": ("Integrated Camera", "0"),
            "video1": ("Integrated Camera", "1"),  # UVC metadata node
            "video2": ("USB Cam", "0"),
            "video10": ("USB Cam", "0"),
        },
    )
    cameras = v4l2_cameras(sysfs, dev)
    assert [(c.id.label, c.url) for c in cameras] == [
        ("Integrated Camera (v4l2)", str(dev / "video0")),
        ("USB Cam (v4l2)", str(dev / "video2")),
        ("USB Cam #2 (v4l2)", str(dev / "video10")),
    ]


def test_no_camera_here_is_an_empty_list() -> None:
    assert isinstance(list_cameras("linux"), tuple)
    assert list_cameras("plan9") == ()


def test_dshow_listing_old_and_new_ffmpeg() -> None:
    new = [
        '"Integrated Camera" (video)',
        '  Alternative name "@device_pnp_\\\\?\\usb#vid_04f2"',
        '"Microphone Array (Realtek)" (audio)',
        '"OBS Virtual Camera" (video)',
    ]
    old = [
        "DirectShow video devices (some may be both video and audio devices)",
        ' "Integrated Camera"',
        "DirectShow audio devices",
        ' "Microphone Array (Realtek)"',
    ]
    assert parse_dshow_devices(new) == ["Integrated Camera", "OBS Virtual Camera"]
    assert parse_dshow_devices(old) == ["Integrated Camera"]


def test_avfoundation_listing() -> None:
    lines = [
        "AVFoundation video devices:",
        "[0] FaceTime HD Camera",
        "[1] Capture screen 0",
        "AVFoundation audio devices:",
        "[0] MacBook Pro Microphone",
    ]
    assert parse_avfoundation_devices(lines) == [(0, "FaceTime HD Camera")]


APIS = [
    {"name": "ALSA", "default_input_device": 1, "default_output_device": 0},
    {"name": "JACK Audio Connection Kit", "default_input_device": -1, "default_output_device": -1},
]


def device(index: int, name: str, inputs: int, outputs: int, api: int = 0) -> dict[str, Any]:
    return {
        "index": index,
        "name": name,
        "hostapi": api,
        "max_input_channels": inputs,
        "max_output_channels": outputs,
        "default_samplerate": 48000.0,
    }


def test_audio_devices_by_direction_with_host_api_and_default() -> None:
    devices = [
        device(0, "HDA Intel PCH: ALC257 Analog (hw:0,0)", 2, 2),
        device(1, "USB Headset: Audio (hw:1,0)", 1, 2),
        device(2, "system", 2, 2, api=1),
    ]
    mics, speakers, error = list_audio(lambda: devices, lambda: APIS)
    assert error == ""
    assert [m.id.label for m in mics] == [
        "HDA Intel PCH: ALC257 Analog (hw:0,0) (ALSA)",
        "USB Headset: Audio (hw:1,0) (ALSA)",
        "system (JACK Audio Connection Kit)",
    ]
    assert [m.is_default for m in mics] == [False, True, False]
    assert [s.is_default for s in speakers] == [True, False, False]
    inventory = Inventory(microphones=mics, speakers=speakers)
    assert inventory.find_microphone("") == mics[1]  # the default
    assert inventory.find_microphone("system (JACK Audio Connection Kit)") == mics[2]
    assert inventory.find_microphone("Gone (ALSA)") is None


def test_no_portaudio_or_no_sound_card_is_an_empty_state() -> None:
    def broken() -> list[dict[str, Any]]:
        raise OSError("PortAudio library not found")

    assert list_audio(broken, lambda: APIS)[2].startswith("Audio devices cannot be listed")
    here = take_inventory()  # this machine has no sound card: lists are empty, no error raised
    assert isinstance(here.microphones, tuple)


def test_ids_survive_relisting_when_indexes_change_and_the_watcher_reports_changes() -> None:
    listings = [
        [device(0, "Headset", 1, 1), device(1, "Webcam Mic", 1, 0)],
        [device(0, "Webcam Mic", 1, 0), device(1, "Headset", 1, 1)],  # re-enumerated
        [device(0, "Headset", 1, 1)],  # webcam unplugged
    ]
    current: list[list[dict[str, Any]]] = [listings[0]]

    def lister() -> Inventory:
        mics, speakers, _ = list_audio(lambda: current[0], lambda: APIS)
        return Inventory(microphones=mics, speakers=speakers)

    watcher = DeviceWatcher(lister)
    first = {m.id for m in watcher.inventory.microphones}
    current[0] = listings[1]
    assert not watcher.poll()  # same devices, other indexes: no change
    assert {m.id for m in watcher.inventory.microphones} == first
    current[0] = listings[2]
    changes = watcher.poll()
    assert changes.removed == (DeviceId("microphone", "ALSA", "Webcam Mic"),)
    assert changes.added == ()
    current[0] = listings[0]
    assert watcher.poll().added == (DeviceId("microphone", "ALSA", "Webcam Mic"),)
