"""Recent runs: one line per screenshot however often it was regenerated, the open run
selected, deleting asks first, and a full-page capture's thumbnail shows its top."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.settings import Settings
from app.ui.input_pane import thumbnail
from app.ui.main_window import MainWindow
from tests.ui.test_main_window import cloned_window, wait_done

Make = Callable[[], MainWindow]


def test_regenerating_groups_runs_and_delete_asks(make_main_window: Make, qtbot: object,
                                                  ui_png: Path, tiny_settings: Settings,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    w = cloned_window(make_main_window, qtbot, ui_png)
    w.generate()  # the same screenshot again
    wait_done(qtbot, w)
    assert len(w.history.entries()) == 2 and w.history_pane.count() == 1
    item = w.history_pane.item(0)
    assert "2 runs" in item.text() and w.history_pane.currentItem() is item
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
    asked: list[str] = []

    def question(parent: object, title: str, text: str, *rest: object) -> object:
        asked.append(text)
        return next(answers)

    monkeypatch.setattr(QMessageBox, "question", question)
    runs = w.history_pane.item(0).data(Qt.ItemDataRole.UserRole)  # the runs of that line
    w.recent.delete(runs)
    assert "Delete the 2 runs of ui.png" in asked[0] and len(w.history.entries()) == 2
    w.recent.delete(runs)
    assert w.history.entries() == [] and w.history_pane.count() == 0


def test_a_full_page_thumbnail_shows_the_top(tmp_path: Path, qtbot: object) -> None:
    page = Image.new("RGB", (400, 4000), "white")
    page.paste((220, 30, 30), (0, 0, 400, 200))  # a red header on a tall white page
    path = tmp_path / "full.png"
    page.save(path)
    image = thumbnail(path).pixmap(64, 40).toImage()
    assert image.height() >= 30 and image.width() >= 60  # not a sliver
    top = image.pixelColor(image.width() // 2, 2)
    assert (top.red(), top.green()) == (220, 30)
