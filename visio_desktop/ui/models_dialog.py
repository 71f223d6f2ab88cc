"""Speech models for captions: which are here, which can be fetched, and fetching one, with
progress and a Cancel button. Nothing is downloaded unless the user asks here."""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from visio_desktop.captions import (
    CATALOGUE,
    CaptionsError,
    DownloadProgress,
    available_models,
    download_model,
)
from visio_desktop.core.policy import Policy

_NAME_ROLE = Qt.ItemDataRole.UserRole

Download = Callable[..., object]


class _Relay(QObject):
    """Carries the download thread's news to the GUI thread."""

    progress = Signal(int, int)  # done, total (0 when unknown)
    finished = Signal(str)  # "" on success, else the reason


class ModelsDialog(QDialog):
    def __init__(
        self,
        mirror: str | None = None,
        parent: QWidget | None = None,
        download: Download = download_model,
    ) -> None:
        super().__init__(parent)
        self._mirror = mirror
        self._download = download
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._closing = False  # closed during a download: close once it has stopped
        self._relay = _Relay(self)
        self._relay.progress.connect(self._on_progress)
        self._relay.finished.connect(self._on_finished)
        self.intro = QLabel(wordWrap=True)
        self.models = QListWidget()
        self.status = QLabel(wordWrap=True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.progress = QProgressBar()
        self.progress.hide()
        self.fetch = QPushButton()
        self.cancel = QPushButton()
        self.cancel.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.fetch.clicked.connect(self._start)
        self.cancel.clicked.connect(self._cancel.set)
        self.models.currentItemChanged.connect(lambda *_: self._update_buttons())
        column = QVBoxLayout(self)
        for widget in (self.intro, self.models, self.status, self.progress):
            column.addWidget(widget)
        column.addWidget(self.fetch)
        column.addWidget(self.cancel)
        column.addWidget(self.buttons)
        self.resize(520, 420)
        self.retranslate()
        self.refresh()

    def block_downloads(self) -> None:
        """The system policy blocks downloads: say so instead of offering one."""
        self.fetch.hide()
        self.status.setText(
            self.tr(
                "Your administrator has blocked speech model downloads on this computer. "
                "Ask your IT department to install a model."
            )
        )

    def refresh(self) -> None:
        here = {model.name for model in available_models()}
        self.models.clear()
        for entry in CATALOGUE:
            state = self.tr("installed") if entry.name in here else self.tr("not installed")
            size = f"{entry.size / 1e6:.0f} MB"
            text = f"{entry.title} — {', '.join(entry.languages)} — {size} — {entry.licence}"
            item = QListWidgetItem(f"{text} ({state})")
            item.setData(_NAME_ROLE, entry.name if entry.name not in here else "")
            if not entry.verified:
                item.setToolTip(self.tr("Its checksums are not known yet: it cannot be fetched"))
            self.models.addItem(item)
        self.models.setCurrentRow(0)
        self._update_buttons()

    def _chosen(self) -> str:
        item = self.models.currentItem()
        return str(item.data(_NAME_ROLE) or "") if item is not None else ""

    def _update_buttons(self) -> None:
        busy = self._thread is not None
        entry = next((e for e in CATALOGUE if e.name == self._chosen()), None)
        self.fetch.setEnabled(not busy and entry is not None and entry.verified)

    def _start(self) -> None:
        name = self._chosen()
        if not name or self._thread is not None:
            return
        self._cancel.clear()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel.show()
        self.status.setText(self.tr("Downloading…"))
        self._thread = threading.Thread(target=self._run, args=(name,), daemon=True)
        self._thread.start()
        self._update_buttons()

    def _run(self, name: str) -> None:
        """The download thread: blocking work, news through the relay's queued signals."""
        try:
            self._download(name, mirror=self._mirror, progress=self._report, cancel=self._cancel)
        except CaptionsError as exc:
            self._relay.finished.emit(str(exc) or type(exc).__name__)
        except OSError as exc:
            self._relay.finished.emit(str(exc))
        else:
            self._relay.finished.emit("")

    def _report(self, progress: DownloadProgress) -> None:
        self._relay.progress.emit(progress.done, progress.total or 0)

    def _on_progress(self, done: int, total: int) -> None:
        if total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(done * 1000 / total))

    def _on_finished(self, problem: str) -> None:
        self._thread = None  # it has sent its last word: it ends now
        if self._closing:
            super().reject()
            return
        self.progress.hide()
        self.cancel.hide()
        if problem:
            self.status.setText(self.tr("The model was not installed: %1").replace("%1", problem))
        else:
            self.status.setText(self.tr("The model is installed. Captions can be turned on."))
        self.refresh()

    def reject(self) -> None:
        """Closing stops a download in progress (nothing is kept); the dialog closes when the
        download thread says it stopped, so the GUI thread never waits for the network."""
        if self._thread is None:
            super().reject()
            return
        self._cancel.set()
        self._closing = True
        self.status.setText(self.tr("Stopping the download…"))

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Speech models for captions"))
        self.intro.setText(
            self.tr(
                "Captions are made on this computer by a speech model: your voice never "
                "leaves it. Choose a model to download; nothing is fetched unless you ask."
            )
        )
        self.models.setAccessibleName(self.tr("Speech models"))
        self.models.setToolTip(self.tr("Known speech models, and whether they are installed"))
        self.fetch.setText(self.tr("Download"))
        self.fetch.setAccessibleName(self.tr("Download the chosen model"))
        self.fetch.setToolTip(self.tr("Download the chosen model, checking its checksum"))
        self.cancel.setText(self.tr("Cancel download"))
        self.cancel.setAccessibleName(self.tr("Cancel download"))
        self.cancel.setToolTip(self.tr("Stop the download; nothing is kept"))
        self.progress.setAccessibleName(self.tr("Download progress"))
        self.progress.setToolTip(self.tr("How much of the model has arrived"))
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setToolTip(self.tr("Close"))
        close.setAccessibleName(self.tr("Close"))


def open_models_dialog(policy: Policy, parent: QWidget, download: Download) -> None:
    """The speech models dialog under the system policy: its mirror, and no download button
    where the policy blocks downloads."""
    dialog = ModelsDialog(policy.model_mirror or None, parent, download)
    if not policy.model_downloads_allowed:
        dialog.block_downloads()
    dialog.exec()
