"""Live captions in the call window: the overlay strip under the video grid, the transcript panel.

Both show plain text only (plain-text labels and list items: nothing a speaker says is ever
interpreted as markup). A caption segment arrives as partials and then one final, all with the same
segment id; both widgets replace a segment in place and never show it twice.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QTimer, Slot
from PySide6.QtGui import QBrush, QFont, QGuiApplication, QPalette, Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from visio_desktop.captions.transcript import TranscriptEntry, render

Clock = Callable[[], float]

TEXT_SIZE_MIN = 10
TEXT_SIZE_MAX = 48
TEXT_SIZE_DEFAULT = 16

# How many caption lines the overlay shows at once, and how long a line stays after its last update.
OVERLAY_LINES = 3
CAPTION_TIMEOUT_S = 6.0
_EXPIRY_TICK_MS = 500

# Text colour of the newest line down to the oldest: older lines fade.
_LINE_COLOURS = ("rgba(255,255,255,255)", "rgba(255,255,255,200)", "rgba(255,255,255,150)")


@dataclass
class _CaptionLine:
    segment_id: str
    speaker: str
    text: str
    final: bool
    updated_at: float


class CaptionOverlay(QWidget):
    """A translucent strip with the latest caption lines ("Name: text"); old lines expire.

    `clock` gives the time used for expiry (time.monotonic by default); a QTimer calls `expire`
    while lines are shown, and tests call `expire(now)` themselves with an injected clock.
    """

    def __init__(
        self,
        parent: QWidget | None = None,
        clock: Clock = time.monotonic,
        timeout_s: float = CAPTION_TIMEOUT_S,
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self._timeout_s = timeout_s
        self._lines: list[_CaptionLine] = []  # Oldest first.
        self._text_size = TEXT_SIZE_DEFAULT

        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._labels: list[QLabel] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for _ in range(OVERLAY_LINES):
            label = QLabel(self)
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            label.hide()
            layout.addWidget(label)
            self._labels.append(label)
        self._apply_text_size()

        self._timer = QTimer(self)
        self._timer.setInterval(_EXPIRY_TICK_MS)
        self._timer.timeout.connect(self._on_tick)
        self.retranslate()

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Live captions"))
        self._refresh()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()

    def show_caption(self, segment_id: str, speaker: str, text: str, final: bool) -> None:
        """Show or update one segment: a newer version of a shown segment replaces it in place."""
        now = self._clock()
        for line in self._lines:
            if line.segment_id == segment_id:
                line.speaker, line.text, line.final, line.updated_at = speaker, text, final, now
                break
        else:
            self._lines.append(_CaptionLine(segment_id, speaker, text, final, now))
            while len(self._lines) > OVERLAY_LINES:
                self._lines.remove(self._oldest_to_drop())
        self._refresh()

    def _oldest_to_drop(self) -> _CaptionLine:
        """The oldest final line, or the oldest line if every line is still in progress."""
        return next((line for line in self._lines if line.final), self._lines[0])

    def expire(self, now: float) -> None:
        """Remove the lines not updated for `timeout_s` seconds before `now`."""
        kept = [line for line in self._lines if now - line.updated_at < self._timeout_s]
        if len(kept) != len(self._lines):
            self._lines = kept
            self._refresh()

    @Slot()
    def _on_tick(self) -> None:
        self.expire(self._clock())

    def clear(self) -> None:
        self._lines = []
        self._refresh()

    def text(self) -> str:
        """The visible captions as plain text, one "Name: text" line per segment, oldest first."""
        return "\n".join(self._line_text(line) for line in self._lines)

    def _line_text(self, line: _CaptionLine) -> str:
        if not line.speaker:
            return line.text
        return self.tr("{speaker}: {text}").format(speaker=line.speaker, text=line.text)

    def _refresh(self) -> None:
        newest_first = list(reversed(self._lines))
        for index, label in enumerate(self._labels):
            # Labels are laid out top to bottom; the newest line goes at the bottom.
            position = len(self._labels) - 1 - index
            if position < len(newest_first):
                label.setText(self._line_text(newest_first[position]))
                label.setStyleSheet(
                    f"color: {_LINE_COLOURS[position]}; background-color: rgba(0,0,0,160);"
                    " padding: 2px 8px;"
                )
                label.show()
            else:
                label.clear()
                label.hide()
        text = self.text()
        self.setAccessibleDescription(text)  # Qt sends DescriptionChanged to assistive tools.
        if self._lines and not self._timer.isActive():
            self._timer.start()
        elif not self._lines:
            self._timer.stop()

    def set_text_size(self, points: int) -> None:
        """Set the caption font size in points, clamped to 10..48."""
        self._text_size = max(TEXT_SIZE_MIN, min(TEXT_SIZE_MAX, points))
        self._apply_text_size()

    @property
    def text_size(self) -> int:
        return self._text_size

    def _apply_text_size(self) -> None:
        for label in self._labels:
            font = QFont(label.font())
            font.setPointSize(self._text_size)
            label.setFont(font)

    def line_labels(self) -> list[QLabel]:
        """The labels that show captions, top to bottom (for tests and styling)."""
        return list(self._labels)


@dataclass
class _Segment:
    segment_id: str
    speaker: str
    text: str
    final: bool
    start: float
    language: str
    arrival: int
    duration: float = 0.0

    @property
    def key(self) -> tuple[float, int]:
        return (self.start, self.arrival)


_MIN_SUBTITLE_S = 1.5  # a subtitle stays at least this long on screen


class TranscriptPanel(QWidget):
    """Every caption segment of the meeting in order: finals in plain style, partials greyed.

    `start` is a wall-clock time (time.time()) and is shown as local HH:MM:SS.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._segments: dict[str, _Segment] = {}
        self._keys: list[tuple[float, int]] = []  # Sorted; index == row in the list.
        self._arrivals = 0

        self._list = QListWidget(self)
        self._list.setWordWrap(True)
        self._list.setAlternatingRowColors(False)
        self._list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self._copy_button = QPushButton(self)
        self._copy_button.clicked.connect(self.copy_to_clipboard)
        self._save_button = QPushButton(self)
        self._save_button.clicked.connect(self.save_as)
        self._saved = QLabel(self)
        self._saved.setTextFormat(Qt.TextFormat.PlainText)
        self._saved.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.addWidget(self._saved, 1)
        buttons.addWidget(self._copy_button)
        buttons.addWidget(self._save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self._list, 1)
        layout.addLayout(buttons)
        QWidget.setTabOrder(self._list, self._copy_button)
        QWidget.setTabOrder(self._copy_button, self._save_button)
        self.retranslate()

    def retranslate(self) -> None:
        self._list.setAccessibleName(self.tr("Transcript"))
        self._list.setToolTip(self.tr("Everything said in this meeting, with live captions"))
        self._copy_button.setText(self.tr("Copy"))
        self._copy_button.setAccessibleName(self.tr("Copy transcript"))
        self._copy_button.setToolTip(self.tr("Copy the transcript to the clipboard"))
        self._save_button.setText(self.tr("Save…"))
        self._save_button.setAccessibleName(self.tr("Save the transcript"))
        self._save_button.setToolTip(
            self.tr("Save the transcript as a text file or as subtitles (.srt, .vtt)")
        )
        self._saved.setAccessibleName(self.tr("Transcript saving"))
        self._saved.setToolTip(self.tr("Where the transcript was saved"))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()

    def add_segment(  # noqa: PLR0917 - the positional signature the call window uses
        self,
        segment_id: str,
        speaker: str,
        text: str,
        final: bool,
        start: float,
        language: str,
        duration: float = 0.0,
    ) -> None:
        """Add a segment, or update the one with the same id in place (a partial by its final)."""
        segment = self._segments.get(segment_id)
        if segment is None:
            self._arrivals += 1
            segment = _Segment(segment_id, speaker, text, final, start, language, self._arrivals)
            self._segments[segment_id] = segment
            item = QListWidgetItem()
            row = bisect.bisect(self._keys, segment.key)
            self._keys.insert(row, segment.key)
            self._list.insertItem(row, item)
        else:
            row = bisect.bisect_left(self._keys, segment.key)
            item = self._list.item(row)
            if segment.start != start:  # Move it to where its new start time belongs.
                self._keys.pop(row)
                self._list.takeItem(row)
                segment.start = start
                row = bisect.bisect(self._keys, segment.key)
                self._keys.insert(row, segment.key)
                self._list.insertItem(row, item)
            segment.speaker, segment.text, segment.final = speaker, text, final
            segment.language = language
        segment.duration = max(segment.duration, duration)
        self._style_item(item, segment)

    def _style_item(self, item: QListWidgetItem, segment: _Segment) -> None:
        item.setText(self._line(segment))
        font = QFont(self._list.font())
        font.setItalic(not segment.final)
        item.setFont(font)
        role = QPalette.ColorRole.Text if segment.final else QPalette.ColorRole.PlaceholderText
        item.setForeground(QBrush(self._list.palette().color(role)))
        item.setToolTip("" if segment.final else self.tr("Still being recognised"))

    def _line(self, segment: _Segment) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(segment.start))
        if not segment.speaker:
            return self.tr("[{time}] {text}").format(time=stamp, text=segment.text)
        return self.tr("[{time}] {speaker}: {text}").format(
            time=stamp, speaker=segment.speaker, text=segment.text
        )

    def rows(self) -> list[str]:
        """The text of every row, finals and partials, in display order."""
        return [self._list.item(row).text() for row in range(self._list.count())]

    def plain_text(self) -> str:
        """The final segments as "[HH:MM:SS] Name: text" lines, in order."""
        ordered = sorted(self._segments.values(), key=lambda segment: segment.key)
        return "\n".join(self._line(segment) for segment in ordered if segment.final)

    @Slot()
    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.plain_text())

    def entries(self) -> list[TranscriptEntry]:
        """The final segments, timed from the first one (for subtitles)."""
        finals = sorted(
            (segment for segment in self._segments.values() if segment.final and segment.text),
            key=lambda segment: segment.key,
        )
        if not finals:
            return []
        origin = finals[0].start
        return [
            TranscriptEntry(
                start=segment.start - origin,
                end=segment.start - origin + max(segment.duration, _MIN_SUBTITLE_S),
                text=segment.text,
                speaker=segment.speaker,
                language=segment.language,
            )
            for segment in finals
        ]

    def export(self, path: Path) -> None:
        """Write the transcript to `path`: .srt and .vtt as subtitles, anything else as text.
        Raises OSError. Nothing is ever written unless the user asked."""
        fmt = path.suffix.lower().lstrip(".")
        text = render(self.entries(), fmt if fmt in ("srt", "vtt") else "txt")
        path.write_text(text, encoding="utf-8")

    @Slot()
    def save_as(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self,
            self.tr("Save the transcript"),
            "transcript.txt",
            ";;".join(
                (
                    self.tr("Text (*.txt)"),
                    self.tr("Subtitles (*.srt)"),
                    self.tr("Web subtitles (*.vtt)"),
                )
            ),
        )
        if not name:
            return
        try:
            self.export(Path(name))
        except OSError as exc:
            self._saved.setText(
                self.tr("Could not save the transcript: %1").replace("%1", str(exc))
            )
        else:
            self._saved.setText(self.tr("Saved to %1").replace("%1", name))
