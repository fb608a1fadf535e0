"""A message across the top of the window: errors and notices without a modal dialog, with the
technical details one click away."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.message = QLabel(wordWrap=True, textInteractionFlags=(
            Qt.TextInteractionFlag.TextSelectableByMouse))
        self.action_button = QPushButton()
        self.action_button.hide()
        self._action: Callable[[], None] | None = None
        self.action_button.clicked.connect(lambda: self._action() if self._action else None)
        self.details_button = QPushButton("Details", flat=True)
        self.details_button.setCheckable(True)
        close = QPushButton("✕", flat=True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        self.details = QPlainTextEdit(readOnly=True)
        self.details.setMaximumHeight(160)
        self.details.hide()
        self.details_button.toggled.connect(self.details.setVisible)
        row = QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.action_button)
        row.addWidget(self.details_button)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.addLayout(row)
        layout.addWidget(self.details)
        self.hide()

    @property
    def level(self) -> str:
        return str(self.property("level"))

    def show_message(self, text: str, level: str = "error", details: str = "",
                     action: tuple[str, Callable[[], None]] | None = None) -> None:
        self.setProperty("level", level)
        self.style().unpolish(self)
        self.style().polish(self)
        self.message.setText(text)
        self.details.setPlainText(details)
        self.details_button.setVisible(bool(details))
        self.details_button.setChecked(False)
        self._action = action[1] if action else None
        self.action_button.setText(action[0] if action else "")
        self.action_button.setVisible(action is not None)
        self.show()
