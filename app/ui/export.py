"""Export the page (and, if asked, its render and difference picture) where the user says,
asking before replacing anything, the files written off the UI thread; or copy it, or open
it in the user's own browser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.intake import Screenshot
from app.review.review import Review
from app.ui.threads import run_in_thread

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

PICTURES = ("render.png", "diff.png")


def ask_target(parent: QWidget, suggested_name: str) -> Path | None:
    state = QSettings()
    folder = Path(str(state.value("files/export_folder", str(Path.home()))))
    path, _ = QFileDialog.getSaveFileName(
        parent, "Export the page", str(folder / suggested_name), "HTML page (*.html)",
        options=QFileDialog.Option.DontConfirmOverwrite)
    if not path:
        return None
    state.setValue("files/export_folder", str(Path(path).parent))
    return Path(path) if path.endswith((".html", ".htm")) else Path(path).with_suffix(".html")


def export_page(parent: QWidget, html: str, shot: Screenshot | None, review: Review | None,
                with_pictures: bool, on_done: Callable[[Path], None],
                on_error: Callable[[Exception], None]) -> Path | None:
    """Ask where, confirm any replacement, then write; the target, or None if the user
    declined."""
    target = ask_target(parent, Path(shot.source).stem + ".html" if shot else "page.html")
    if target is None:
        return None
    prefix = f"{target.stem}-"
    pictures = PICTURES if with_pictures and review is not None and shot is not None else ()
    existing = [p for p in (target, *(target.with_name(prefix + n) for n in pictures))
                if p.exists()]
    if existing and QMessageBox.question(
            parent, "Replace?", "Replace " + ", ".join(p.name for p in existing) + "?",
    ) != QMessageBox.StandardButton.Yes:
        return None

    def write() -> Path:
        from app.outputs.files import write_atomic
        from app.review.review import write_report

        write_atomic(target, html, overwrite=True)
        if pictures and shot is not None and review is not None:
            write_report(target.parent, review, only=pictures, prefix=prefix)
        return target

    run_in_thread(write, on_done, on_error, owner=parent)
    return target


def open_in_browser(html: str) -> tuple[Path, bool]:
    """Show the page in the user's own browser; (the file, whether a browser opened). One
    file in ShotClone's data folder, replaced each time: the browser may read it long after
    this returns, and nothing piles up in the temporary folder."""
    from app.outputs.files import write_atomic
    from app.settings import data_dir

    page = write_atomic(data_dir() / "browser" / "page.html", html, overwrite=True)
    return page, QDesktopServices.openUrl(QUrl.fromLocalFile(str(page)))


class PageOutput(QObject):
    """The File and Edit commands that take the shown page out: Export, Copy, the browser."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def export_with_pictures(self) -> Path | None:
        return self.export(with_pictures=True)

    def export(self, with_pictures: bool = False) -> Path | None:
        w = self.window
        html = w.code.page_text()
        if not html.strip():
            return None
        return export_page(w, html, w.shot, w.review, with_pictures,
                           lambda p: w.status.say(f"Exported {p}"),
                           lambda e: w.show_error(e, "Could not export"))

    def copy_html(self) -> None:
        QGuiApplication.clipboard().setText(self.window.code.page_text())
        self.window.status.say("HTML copied to the clipboard")

    def open_in_browser(self) -> None:
        page, opened = open_in_browser(self.window.code.page_text())
        if opened:
            self.window.status.say(f"Opened {page} in your web browser")
        else:
            self.window.banner.show_message(
                f"No web browser opened. The page is saved as {page}: open it from your "
                "browser.", "warning")
