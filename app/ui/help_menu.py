"""The Help menu: About, and "Check this set-up" (what `shotclone doctor` says, in a box)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox

from app.ui.threads import run_in_thread

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow


class HelpMenu(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def about(self) -> None:
        from app import __version__

        QMessageBox.about(self.window, "About ShotClone", (
            f"<b>ShotClone {__version__}</b><p>Turns a screenshot of any user interface into "
            "one self-contained HTML file, with a vision-language model on this machine.</p>"
            "<p>Icons: Material Design Icons, through QtAwesome.</p>"))

    def check_setup(self) -> None:
        """The doctor's checks off the UI thread, then their lines behind Details."""
        from app.doctor import diagnose

        w = self.window
        w.status.say_busy("Checking this set-up…")
        run_in_thread(diagnose, lambda d: (w.status.say("Ready"), self._show(d)),
                      lambda e: w.show_error(e, "Could not check the set-up"), owner=self)

    def _show(self, d: Any) -> None:
        box = QMessageBox(self.window)
        box.setWindowTitle("This set-up")
        box.setIcon(QMessageBox.Icon.Warning if d.problems else QMessageBox.Icon.Information)
        box.setText(f"Cannot clone yet: {d.problems[0]}" if d.problems else
                    "This set-up can clone.")
        box.setDetailedText("\n".join(d.lines))
        box.open()
