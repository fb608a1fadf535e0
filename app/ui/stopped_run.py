"""After Stop: what the model had written stays in the code pane, and the banner offers to
close it off as a page, keep it and compare it with the screenshot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


class StoppedRun(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def offer_compare(self, tokens: int) -> None:
        self.window.banner.show_message(
            f"Stopped after {tokens} tokens. What was written is in the code pane: compare "
            "it now, or edit it.", "info", action=("Compare now", self.compare))

    def compare(self) -> None:
        """Close off what was written, keep it as the page, and compare it."""
        w = self.window
        if w.shot is not None:
            w.banner.hide()
            w.status.say_busy("Closing off the page…")
            w.live.close_off(w.code.page_text(), w.shot, w.entry, w.code.show_text)
