"""Settings: the model files (or a model server) and how to run them, checked before they are
kept. They go to the one settings file the command line reads too."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.settings import SPECS, Settings, save_settings, settings_path
from app.ui.threads import run_in_thread
from app.ui.wording import in_app_words
from inference.config import CACHE_TYPES
from inference.errors import ShotCloneError


class _FileField(QWidget):
    chosen = Signal(str)  # a file picked with Choose…

    def __init__(self, value: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(value)
        self.edit.setPlaceholderText("a .gguf file")
        self.edit.setMinimumWidth(380)  # room for a path
        browse = QPushButton("Choose…")
        browse.clicked.connect(lambda: self._choose(title))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def _choose(self, title: str) -> None:
        start = str(Path(self.edit.text()).parent) if self.edit.text() else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, title, start, "GGUF models (*.gguf)")
        if path:
            self.edit.setText(path)
            self.chosen.emit(path)

    def text(self) -> str:
        return self.edit.text().strip()


def _spin(name: str, value: int, step: int = 1, unset: str = "") -> QSpinBox:
    """A spin box with the setting's own range and help; ``unset`` names the value below it."""
    spec = SPECS[name]
    box = QSpinBox(minimum=int(spec.low or 0) - (1 if unset else 0), maximum=int(spec.high or 0),
                   singleStep=step, toolTip=spec.help)
    if unset:
        box.setSpecialValueText(unset)
    box.setValue(value)
    return box


def _check(name: str, label: str, settings: Settings) -> QCheckBox:
    """A check box for a true/false setting, with its value and the setting's own help."""
    return QCheckBox(label, checked=getattr(settings, name), toolTip=SPECS[name].help)


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("ShotClone settings")
        self.settings = settings
        s = settings

        local = QGroupBox("Local model")
        form = QFormLayout(local)
        self.model = _FileField(s.model, "Choose the model")
        self.mmproj = _FileField(s.mmproj, "Choose the vision projector (mmproj)")
        self.model.chosen.connect(self._fill_projector)
        self.gpu_layers = _spin("gpu_layers", -1 if s.gpu_layers == "auto" else s.gpu_layers,
                                unset="auto")
        self.n_ctx = _spin("n_ctx", s.n_ctx, step=1024)
        self.flash_attn = _check("flash_attn", "Flash attention", s)
        self.cache_type = QComboBox()
        self.cache_type.addItems(list(CACHE_TYPES))
        self.cache_type.setCurrentText(s.cache_type)
        self.image_tokens = _spin("image_tokens", s.image_tokens)
        form.addRow("Model", self.model)
        form.addRow("Vision projector", self.mmproj)
        form.addRow("GPU layers", self.gpu_layers)
        form.addRow("Context (tokens)", self.n_ctx)
        form.addRow("", self.flash_attn)
        form.addRow("KV-cache type", self.cache_type)
        form.addRow("Image token budget", self.image_tokens)

        remote = QGroupBox("Or a model server (OpenAI-compatible)")
        rform = QFormLayout(remote)
        self.endpoint = QLineEdit(s.endpoint, placeholderText="http://127.0.0.1:8080/v1")
        self.endpoint_model = QLineEdit(s.endpoint_model, placeholderText="(the server's own)")
        rform.addRow("Endpoint", self.endpoint)
        rform.addRow("Model name", self.endpoint_model)
        rform.addRow(QLabel("The API key is read from SHOTCLONE_API_KEY or OPENAI_API_KEY."))

        sampling = QGroupBox("Writing")
        sform = QFormLayout(sampling)
        spec = SPECS["temperature"]
        self.temperature = QDoubleSpinBox(minimum=spec.low, maximum=spec.high, singleStep=0.1,
                                          value=s.temperature, toolTip=spec.help)
        self.max_tokens = _spin("max_tokens", s.max_tokens, step=512)
        self.seed = _spin("seed", -1 if s.seed is None else s.seed, unset="random")
        self.speculate = _check("speculate", "Speculative decoding (faster; the same page at "
                                "temperature 0)", s)
        sform.addRow("Temperature", self.temperature)
        sform.addRow("Max tokens", self.max_tokens)
        sform.addRow("Seed", self.seed)
        sform.addRow("", self.speculate)

        capture = QGroupBox("Screen capture")
        cform = QFormLayout(capture)
        self.hotkey = QLineEdit(s.hotkey, placeholderText="Ctrl+Alt+Shift+S")
        from app.hotkey import describe

        self.hotkey_state = QLabel(f"In effect: {describe(s.hotkey)}", wordWrap=True)
        self.hotkey.textChanged.connect(
            lambda text: self.hotkey_state.setText(f"Will be: {describe(text)}"))
        self.clone_after_capture = _check("clone_after_capture", "Clone a capture at once", s)
        self.keep_in_tray = _check("keep_in_tray",
                                   "Keep running in the tray when the window closes", s)
        cform.addRow("Global hotkey", self.hotkey)
        cform.addRow("", self.hotkey_state)
        cform.addRow("", self.clone_after_capture)
        cform.addRow("", self.keep_in_tray)

        self.error = QLabel(wordWrap=True)
        self.error.setObjectName("DialogError")
        self.error.hide()
        self.checking = QLabel("Checking the model…")
        self.checking.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                        QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        # sized to its contents: a message makes the dialog taller instead of squashing fields
        layout.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        for w in (local, remote, sampling, capture, self.error, self.checking):
            layout.addWidget(w)
        layout.addWidget(QLabel(f"Saved in {settings_path()}"))
        layout.addWidget(self.buttons)

    def _fill_projector(self, model: str) -> None:
        """A model picked by hand brings the projector beside it that belongs to it."""
        from inference.discovery import projector_beside

        mmproj = projector_beside(Path(model))
        if mmproj is not None:
            self.mmproj.edit.setText(str(mmproj))

    def chosen(self) -> Settings:
        layers = self.gpu_layers.value()
        return replace(
            self.settings, model=self.model.text(), mmproj=self.mmproj.text(),
            gpu_layers="auto" if layers < 0 else layers, n_ctx=self.n_ctx.value(),
            flash_attn=self.flash_attn.isChecked(), cache_type=self.cache_type.currentText(),
            image_tokens=self.image_tokens.value(), endpoint=self.endpoint.text().strip(),
            endpoint_model=self.endpoint_model.text().strip(),
            temperature=round(self.temperature.value(), 2), max_tokens=self.max_tokens.value(),
            seed=None if self.seed.value() < 0 else self.seed.value(),
            speculate=self.speculate.isChecked(), hotkey=self.hotkey.text().strip(),
            clone_after_capture=self.clone_after_capture.isChecked(),
            keep_in_tray=self.keep_in_tray.isChecked())

    def check(self, settings: Settings) -> str | None:
        """Why these settings cannot work, or None; slow (model headers, a server's answer),
        so ``accept`` runs it off the UI thread."""
        try:
            from app.hotkey import parse_combo

            parse_combo(settings.hotkey)
            if settings.endpoint:
                from app.models import served_models

                served_models(settings)  # asked as a run would ask it
                return None
            if not settings.model:
                return ("Choose the model file (a .gguf), or give a model server below. "
                        "Models… (Ctrl+M) finds or downloads one.")
            from inference.gguf import inspect_pair

            config = settings.engine_config()
            inspect_pair(config.model, config.mmproj)
        except ShotCloneError as e:
            return in_app_words(str(e))
        return None

    def accept(self) -> None:
        """Check the choice off the UI thread, then save it."""
        chosen = self.chosen()
        self.ok.setEnabled(False)
        self.error.hide()
        self.checking.setText(f"Asking {chosen.endpoint} for its models…" if chosen.endpoint
                              else "Checking the model…")
        self.checking.show()
        run_in_thread(lambda: self.check(chosen), lambda problem: self._checked(chosen, problem),
                      lambda e: self._checked(chosen, f"{type(e).__name__}: {e}"), owner=self)

    def _checked(self, chosen: Settings, problem: str | None) -> None:
        self.ok.setEnabled(True)
        self.checking.hide()
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        save_settings(chosen)
        self.settings = chosen
        super().accept()
