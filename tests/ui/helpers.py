"""Steps the GUI tests share."""

from __future__ import annotations

from pathlib import Path

from app.ui.main_window import MainWindow


def open_and_wait(qtbot: object, window: MainWindow, image: Path) -> None:
    """Open a screenshot as the user would and wait until the window shows it."""
    window.open_image(image)
    qtbot.waitUntil(lambda: window.shot is not None)  # type: ignore[attr-defined]
