"""Getting a model without knowing what a GGUF is: pick one already on this machine, download
the default one (with progress, speed, time left and cancel), or choose the files by hand."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.settings import Settings, data_dir, save_settings
from app.ui.threads import run_in_thread
from inference.cancel import CancelToken
from inference.errors import ShotCloneError

GGUF_FILTER = "GGUF models (*.gguf)"


class _Relay(QObject):
    progress = Signal(object)  # DownloadProgress, from the download thread
    finished = Signal(object, object)  # (model, mmproj) or (None, error)


class ModelSetupDialog(QDialog):
    """Returns ``chosen``: new settings with a model, when the user got one."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set up a model")
        self.setMinimumWidth(620)
        self.settings = settings
        self.chosen: Settings | None = None
        self.found = QListWidget()
        self.found.itemDoubleClicked.connect(lambda _: self.use_found())
        self.status = QLabel("Looking for models on this machine…", wordWrap=True)
        self.use_button = QPushButton("Use this model")
        self.use_button.clicked.connect(self.use_found)
        self.use_button.setEnabled(False)
        from inference.catalog import default_entry

        self.entry = default_entry()
        self.download_button = QPushButton(f"Download {self.entry.title}")
        self.download_button.setToolTip(f"{self.entry.notes}\nFrom {self.entry.repo}")
        self.download_button.clicked.connect(self.start_download)
        self.files_button = QPushButton("Choose files…")
        self.files_button.clicked.connect(self.choose_files)
        self.progress = QProgressBar(textVisible=True)
        self.progress.hide()
        self.progress_text = QLabel(wordWrap=True)
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_download)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<b>Vision models found on this machine</b> (LM Studio, the "
                                "Hugging Face cache, llama.cpp's cache, ShotClone's folder):"))
        layout.addWidget(self.found)
        layout.addWidget(self.status)
        row = QHBoxLayout()
        for b in (self.use_button, self.download_button, self.files_button):
            row.addWidget(b)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.progress_text)
        layout.addWidget(self.cancel_button, alignment=Qt.AlignmentFlag.AlignRight)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self._relay = _Relay()
        self._relay.progress.connect(self._on_progress)
        self._relay.finished.connect(self._on_downloaded)
        self._cancel = CancelToken()
        self._thread: threading.Thread | None = None
        self.search()

    def search(self) -> None:
        from app.models import Machine, gpu_fit, model_folders
        from inference.discovery import find_models

        settings = self.settings

        def look() -> list[tuple[Any, str]]:
            machine = Machine.detect()
            return [(m, gpu_fit(m, machine, settings))
                    for m in find_models(model_folders()) if m.sees_images]

        run_in_thread(look, self._show_found,
                      lambda e: self.status.setText(f"Could not search: {e}"), owner=self)

    def _show_found(self, found: list[tuple[Any, str]]) -> None:
        from app.models import human_size

        self.found.clear()
        for m, fits in found:
            item = QListWidgetItem(f"{m.name}  ·  {m.quant}  ·  {human_size(m.size_bytes)}  ·  "
                                   f"fits the GPU: {fits}  ·  {m.source}\n{m.path}")
            item.setData(Qt.ItemDataRole.UserRole, m)
            self.found.addItem(item)
        if self.found.count():
            self.found.setCurrentRow(0)
            self.status.setText(f"{self.found.count()} found. Pick one, or download the "
                                "recommended model.")
        else:
            self.status.setText("No vision model on this machine yet: download the "
                                "recommended one, or choose the files if you have them.")
        self.use_button.setEnabled(self.found.count() > 0)

    def _keep(self, model: Path, mmproj: Path | None) -> None:
        self.chosen = self.settings.updated(model=str(model), mmproj=str(mmproj or ""),
                                            endpoint="")
        save_settings(self.chosen)
        self.accept()

    def use_found(self) -> None:
        item = self.found.currentItem()
        if item is not None:
            m = item.data(Qt.ItemDataRole.UserRole)
            self._keep(m.path, m.mmproj)

    def choose_files(self) -> None:
        """The model file; its projector is taken from beside it when one belongs to it."""
        from inference.discovery import projector_beside
        from inference.gguf import inspect_pair

        start = str(Path(self.settings.model).parent) if self.settings.model else str(Path.home())
        model, _ = QFileDialog.getOpenFileName(self, "Choose the model", start, GGUF_FILTER)
        if not model:
            return
        mmproj = projector_beside(Path(model))
        if mmproj is None:
            mmproj_name, _ = QFileDialog.getOpenFileName(
                self, "Choose its vision projector (mmproj)", str(Path(model).parent),
                GGUF_FILTER)
            if not mmproj_name:
                return
            mmproj = Path(mmproj_name)
        try:
            inspect_pair(model, mmproj)
        except ShotCloneError as e:
            self.status.setText(str(e))
            return
        self._keep(Path(model), mmproj)

    def start_download(self) -> None:
        from inference.download import download, plan

        folder = data_dir() / "models" / self.entry.repo.replace("/", "--")
        self._cancel = CancelToken()
        relay, cancel, entry = self._relay, self._cancel, self.entry

        def work() -> None:
            try:
                result = download(plan(entry, folder), relay.progress.emit, cancel)
            except Exception as e:  # shown in the dialog
                relay.finished.emit(None, e)
            else:
                relay.finished.emit(*result)

        for b in (self.use_button, self.download_button, self.files_button):
            b.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.cancel_button.show()
        self.progress_text.setText("Listing the repository…")
        self._thread = threading.Thread(target=work, daemon=True, name="download")
        self._thread.start()

    def _on_progress(self, p: Any) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(round(1000 * p.done / p.total) if p.total else 0)
        eta = f", {p.eta_s / 60:.0f} min left" if p.eta_s and p.eta_s > 90 else \
            (f", {p.eta_s:.0f} s left" if p.eta_s is not None else "")
        self.progress_text.setText(f"{p.file}: {p.done / 1e9:.2f} of {p.total / 1e9:.2f} GB, "
                                   f"{p.speed / 1e6:.1f} MB/s{eta}")

    def _on_downloaded(self, model: Any, mmproj: Any) -> None:
        self.cancel_button.hide()
        if model is None:
            self.progress.hide()
            self.progress_text.setText(str(mmproj))
            for b in (self.download_button, self.files_button):
                b.setEnabled(True)
            self.use_button.setEnabled(self.found.count() > 0)
            return
        self._keep(model, mmproj)

    def cancel_download(self) -> None:
        self._cancel.cancel()
        self.progress_text.setText("Stopping; what was fetched is kept and resumes next time.")

    def reject(self) -> None:
        self._cancel.cancel()
        if self._thread is not None:
            self._thread.join(5)
        super().reject()
