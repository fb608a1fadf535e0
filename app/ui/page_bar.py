"""Under the code: a box that asks the model to change the page ("make the header sticky"),
and the page's versions (the first answer, repairs, refine rounds, edits) to go back to."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QWidget

EDIT_HINT = "Change the page, e.g. “make the header sticky” or “use a dark theme” (Enter)"


class PageBar(QWidget):
    edit_asked = Signal(str)  # the instruction
    version_chosen = Signal(int)  # a version's number

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("PageBar")
        self.edit_box = QLineEdit(placeholderText=EDIT_HINT)
        self.edit_box.setObjectName("EditBox")
        self.edit_box.setClearButtonEnabled(True)
        self.edit_box.returnPressed.connect(self._ask)
        self.versions = QComboBox()
        self.versions.setObjectName("Versions")
        self.versions.setToolTip("The page's versions, newest last: pick one to go back to it "
                                 "(Ctrl+Z goes back one)")
        self.versions.setMinimumContentsLength(18)
        self.versions.activated.connect(
            lambda i: self.version_chosen.emit(int(self.versions.itemData(i))))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 4, 0, 0)
        row.addWidget(self.edit_box, 1)
        row.addWidget(self.versions)

    def _ask(self) -> None:
        text = self.edit_box.text().strip()
        if text:
            self.edit_asked.emit(text)

    def show_versions(self, versions: list[dict[str, Any]], current: int | None) -> None:
        self.versions.clear()
        for v in versions:
            score = f" · {v['score']:.3f}" if v.get("score") is not None else ""
            self.versions.addItem(f"{v['n']} · {v['label']}{score}", v["n"])
        if current is not None:
            self.versions.setCurrentIndex(max(0, self.versions.findData(current)))
        self.versions.setEnabled(len(versions) > 1)
