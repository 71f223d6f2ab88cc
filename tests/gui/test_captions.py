"""CaptionOverlay and TranscriptPanel: in-place updates, expiry on an injected clock, plain text."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QListWidget, QPushButton
from pytestqt.qtbot import QtBot

from visio_desktop.ui.captions import (
    CAPTION_TIMEOUT_S,
    OVERLAY_LINES,
    CaptionOverlay,
    TranscriptPanel,
)

START = 1_700_000_000.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def overlay(qtbot: QtBot, clock: FakeClock) -> CaptionOverlay:
    widget = CaptionOverlay(clock=clock)
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def transcript(qtbot: QtBot) -> TranscriptPanel:
    widget = TranscriptPanel()
    qtbot.addWidget(widget)
    return widget


def _stamp(start: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(start))


# -- CaptionOverlay ----------------------------------------------------------------------------


def test_caption_shows_speaker_and_text(overlay: CaptionOverlay) -> None:
    overlay.show_caption("s1", "Alice", "bonjour", final=False)
    assert overlay.text() == "Alice: bonjour"


def test_partials_and_final_replace_one_line(overlay: CaptionOverlay) -> None:
    overlay.show_caption("s1", "Alice", "bon", final=False)
    overlay.show_caption("s2", "Bob", "salut", final=True)
    overlay.show_caption("s1", "Alice", "bonjour à", final=False)
    overlay.show_caption("s1", "Alice", "Bonjour à tous.", final=True)
    assert overlay.text() == "Alice: Bonjour à tous.\nBob: salut"


def test_at_most_three_lines_and_finals_leave_first(overlay: CaptionOverlay) -> None:
    overlay.show_caption("s1", "Alice", "still speaking", final=False)
    for index in range(2, 6):
        overlay.show_caption(f"s{index}", "Bob", f"sentence {index}", final=True)
    lines = overlay.text().splitlines()
    assert len(lines) == OVERLAY_LINES
    assert lines == ["Alice: still speaking", "Bob: sentence 4", "Bob: sentence 5"]


def test_lines_expire_after_the_timeout(overlay: CaptionOverlay, clock: FakeClock) -> None:
    overlay.show_caption("s1", "Alice", "old", final=True)
    clock.now += CAPTION_TIMEOUT_S / 2
    overlay.show_caption("s2", "Bob", "newer", final=True)
    overlay.expire(clock.now)
    assert overlay.text() == "Alice: old\nBob: newer"
    clock.now += CAPTION_TIMEOUT_S / 2
    overlay.expire(clock.now)
    assert overlay.text() == "Bob: newer"
    overlay.expire(clock.now + CAPTION_TIMEOUT_S)
    assert overlay.text() == ""


def test_an_update_restarts_the_timeout(overlay: CaptionOverlay, clock: FakeClock) -> None:
    overlay.show_caption("s1", "Alice", "long", final=False)
    clock.now += CAPTION_TIMEOUT_S - 1
    overlay.show_caption("s1", "Alice", "long sentence", final=False)
    clock.now += CAPTION_TIMEOUT_S - 1
    overlay.expire(clock.now)
    assert overlay.text() == "Alice: long sentence"


def test_captions_are_plain_text(overlay: CaptionOverlay) -> None:
    overlay.show_caption("s1", "<b>Eve</b>", "<img src=x> & <i>y</i>", final=True)
    assert overlay.text() == "<b>Eve</b>: <img src=x> & <i>y</i>"
    shown = [label for label in overlay.line_labels() if not label.isHidden()]
    assert len(shown) == 1
    assert shown[0].textFormat() == Qt.TextFormat.PlainText
    assert shown[0].text() == overlay.text()


def test_newest_line_is_at_the_bottom(overlay: CaptionOverlay) -> None:
    overlay.show_caption("s1", "Alice", "first", final=True)
    overlay.show_caption("s2", "Bob", "second", final=True)
    shown = [label.text() for label in overlay.line_labels() if not label.isHidden()]
    assert shown == ["Alice: first", "Bob: second"]


def test_text_size_is_clamped(overlay: CaptionOverlay) -> None:
    overlay.set_text_size(24)
    assert overlay.text_size == 24
    assert all(label.font().pointSize() == 24 for label in overlay.line_labels())
    overlay.set_text_size(2)
    assert overlay.text_size == 10
    overlay.set_text_size(200)
    assert overlay.text_size == 48


def test_accessible_name_and_live_description(overlay: CaptionOverlay, clock: FakeClock) -> None:
    assert overlay.accessibleName()
    overlay.show_caption("s1", "Alice", "hello", final=False)
    assert overlay.accessibleDescription() == "Alice: hello"
    overlay.expire(clock.now + CAPTION_TIMEOUT_S)
    assert overlay.accessibleDescription() == ""


def test_expiry_timer_runs_only_while_lines_are_shown(
    overlay: CaptionOverlay, clock: FakeClock
) -> None:
    timer = overlay.findChild(QTimer)
    assert timer is not None
    assert not timer.isActive()
    overlay.show_caption("s1", "Alice", "hello", final=True)
    assert timer.isActive()
    timer.timeout.emit()  # A tick before the timeout keeps the line.
    assert overlay.text() == "Alice: hello"
    clock.now += CAPTION_TIMEOUT_S
    timer.timeout.emit()  # The tick reads the injected clock and expires the line.
    assert overlay.text() == ""
    assert not timer.isActive()


# -- TranscriptPanel ---------------------------------------------------------------------------


def test_transcript_orders_by_start_then_arrival(transcript: TranscriptPanel) -> None:
    transcript.add_segment("b", "Bob", "second", True, START + 5, "fr")
    transcript.add_segment("a", "Alice", "first", True, START, "fr")
    transcript.add_segment("c", "Carol", "same start as Bob", True, START + 5, "fr")
    assert transcript.plain_text() == "\n".join(
        [
            f"[{_stamp(START)}] Alice: first",
            f"[{_stamp(START + 5)}] Bob: second",
            f"[{_stamp(START + 5)}] Carol: same start as Bob",
        ]
    )


def test_partial_is_shown_then_replaced_by_final(transcript: TranscriptPanel) -> None:
    transcript.add_segment("a", "Alice", "bon", False, START, "fr")
    assert transcript.rows() == [f"[{_stamp(START)}] Alice: bon"]
    assert transcript.plain_text() == ""
    transcript.add_segment("a", "Alice", "bonjour", False, START, "fr")
    transcript.add_segment("a", "Alice", "Bonjour.", True, START, "fr")
    assert transcript.rows() == [f"[{_stamp(START)}] Alice: Bonjour."]
    assert transcript.plain_text() == f"[{_stamp(START)}] Alice: Bonjour."


def test_partial_rows_are_italic_and_finals_are_not(transcript: TranscriptPanel) -> None:
    transcript.add_segment("a", "Alice", "done", True, START, "fr")
    transcript.add_segment("b", "Bob", "speaking", False, START + 1, "fr")
    view = transcript.findChild(QListWidget)
    assert view is not None
    assert not view.item(0).font().italic()
    assert view.item(1).font().italic()


def test_final_with_a_corrected_start_moves(transcript: TranscriptPanel) -> None:
    transcript.add_segment("a", "Alice", "one", True, START + 1, "fr")
    transcript.add_segment("b", "Bob", "two", False, START + 2, "fr")
    transcript.add_segment("b", "Bob", "two", True, START, "fr")
    assert transcript.rows() == [
        f"[{_stamp(START)}] Bob: two",
        f"[{_stamp(START + 1)}] Alice: one",
    ]


def test_transcript_is_plain_text(transcript: TranscriptPanel) -> None:
    transcript.add_segment("a", "<b>Eve</b>", "<script>x</script>", True, START, "en")
    assert transcript.rows() == [f"[{_stamp(START)}] <b>Eve</b>: <script>x</script>"]


def test_copy_button_puts_the_finals_on_the_clipboard(
    qtbot: QtBot, transcript: TranscriptPanel
) -> None:
    transcript.add_segment("a", "Alice", "kept", True, START, "fr")
    transcript.add_segment("b", "Bob", "not yet final", False, START + 1, "fr")
    button = transcript.findChild(QPushButton)
    assert button is not None
    assert button.accessibleName()
    assert button.toolTip()
    QGuiApplication.clipboard().clear()
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == f"[{_stamp(START)}] Alice: kept"


def test_the_transcript_is_saved_as_text_srt_or_vtt_only_when_asked(
    qtbot: QtBot, tmp_path: Path
) -> None:
    panel = TranscriptPanel()
    qtbot.addWidget(panel)
    panel.add_segment("a", "Agent", "Bonjour à tous", False, 1000.0, "fr")
    panel.add_segment("a", "Agent", "Bonjour à tous.", True, 1000.0, "fr", 2.0)
    panel.add_segment("b", "Juriste", "Merci, <b>bonjour</b>.", True, 1004.5, "fr", 1.0)
    assert list(tmp_path.iterdir()) == []  # nothing is written by itself
    panel.export(tmp_path / "meeting.srt")
    srt = (tmp_path / "meeting.srt").read_text(encoding="utf-8")
    assert "00:00:00,000 --> 00:00:02,000" in srt and "Bonjour à tous." in srt
    assert "00:00:04,500 --> 00:00:06,000" in srt
    panel.export(tmp_path / "meeting.vtt")
    vtt = (tmp_path / "meeting.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT") and "<v Juriste>" in vtt and "<b>" not in vtt
    panel.export(tmp_path / "meeting.txt")
    txt = (tmp_path / "meeting.txt").read_text(encoding="utf-8").splitlines()
    assert txt == [
        "[00:00:00] Agent: Bonjour à tous.",
        "[00:00:04] Juriste: Merci, <b>bonjour</b>.",
    ]
