"""The Recent list's behaviour: showing the kept runs, reopening one, and deleting a
screenshot's runs once the user says yes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from app.ui.threads import run_in_thread

if TYPE_CHECKING:
    from app.intake import Screenshot
    from app.outputs.history import HistoryEntry
    from app.ui.main_window import MainWindow


class RecentRuns(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def refresh(self) -> None:
        w = self.window
        w.history_pane.show_entries(w.history.by_screenshot(),
                                    w.entry.folder if w.entry is not None else None)

    def reopen(self, entry: HistoryEntry) -> None:
        w = self.window
        if w.running:
            w.banner.show_message("Stop the current run before reopening another.", "info")
            return

        def load() -> tuple[Screenshot, str | None]:
            return entry.screenshot(), entry.html()

        def show(loaded: tuple[Screenshot, str | None]) -> None:
            shot, html = loaded
            w.set_screenshot(shot, entry)
            w.code.show_text(html or "")
            w.versions.show()
            if html:
                w.review_page(html, "reopen")

        run_in_thread(load, show, lambda e: w.show_error(e, "Could not reopen that run"),
                      owner=self)

    def delete(self, runs: list[HistoryEntry]) -> None:
        """Delete every run of one screenshot, once the user says yes."""
        w = self.window
        if w.running and w.entry is not None and any(r.folder == w.entry.folder for r in runs):
            w.banner.show_message("Stop the current run before deleting it.", "info")
            return
        name = Path(str(runs[0].meta.get("source", "screenshot"))).name
        what = "this run" if len(runs) == 1 else f"the {len(runs)} runs"
        if QMessageBox.question(
                w, "Delete?", f"Delete {what} of {name} (screenshot, page and pictures)? "
                "This cannot be undone.") != QMessageBox.StandardButton.Yes:
            return
        for entry in runs:
            w.history.delete(entry)
            if w.entry is not None and w.entry.folder == entry.folder:
                w.entry = None
        self.refresh()
