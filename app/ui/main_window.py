"""The main window: a screenshot in on the left, the HTML streaming in the middle, the render
and its comparison on the right. Everything slow runs off the UI thread; every run is kept."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QIcon
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QSplitter, QVBoxLayout, QWidget

from app.job.run import STAGE_TEXT, BackendKeeper, RunState, error_text, run_job, with_backend
from app.outputs.history import History, HistoryEntry
from app.settings import load_settings_or_defaults
from app.ui.actions import main_toolbar
from app.ui.banner import Banner
from app.ui.code_pane import CodePane
from app.ui.compare_pane import ComparePane
from app.ui.export import open_in_browser
from app.ui.help_menu import HelpMenu
from app.ui.input_pane import InputColumn, ask_screenshot, image_from_mime
from app.ui.job_runner import QtJobRunner
from app.ui.live_review import LiveReview
from app.ui.page_bar import PageBar
from app.ui.render_service import RenderService
from app.ui.run_status import ModelLabel, RunStatus
from app.ui.theme import apply_look
from app.ui.threads import run_in_thread
from app.ui.window_state import keep_checked, restore_window, save_window
from app.ui.wording import in_app_words

if TYPE_CHECKING:
    from app.intake import Screenshot
    from app.job.events import CloneResult, JobEvent
    from app.job.refine import Asking
    from app.review.review import Review
    from inference.backend import Backend
    from inference.cancel import CancelToken

log = logging.getLogger("shotclone")


def app_icon() -> QIcon:
    from assets import asset

    return QIcon(str(asset("icon.png")))


class MainWindow(QMainWindow):
    settings_changed = Signal()
    closed = Signal()  # really closed, not hidden to the tray

    def __init__(self, history: History | None = None) -> None:
        super().__init__()
        self.setWindowTitle("ShotClone")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.history = history or History()
        self.shot: Screenshot | None = None
        self.entry: HistoryEntry | None = None  # the history entry of what is shown
        self.run: RunState | None = None  # the latest run, drawn by the window
        self._follow_up = ""  # "refine" or "edit" while the model works on the shown page
        self._steps: list[str] = []  # what the repair steps and refine rounds said
        self.review: Any = None
        self.backends = BackendKeeper()  # used on the job's thread only
        self._runner = QtJobRunner(self)
        self._runner.event.connect(self.on_job_event)
        self._runner.idle.connect(self._on_runner_idle)
        self._renders = RenderService(self)  # the warm browser, for the job and the previews
        self._closing = False
        self.hide_on_close = False  # set by the shell when a tray icon keeps the app running
        self._generate_when_open = False
        self.settings, problem = load_settings_or_defaults()

        self._build()
        restore_window(self, self.splitter)
        keep_checked(self.wrap_action, "view/wrap", False, self.code.set_wrap)
        keep_checked(self.format_action, "view/formatted", True, self.code.set_formatted)
        self.refresh_history()
        self._update_actions()
        if problem:  # a broken settings file: the window opens anyway and says why
            self.banner.show_message(problem, "warning")
        elif not self.settings.model and not self.settings.endpoint:
            self.banner.show_message(
                "No model is set yet: use one already on this machine, download the "
                "recommended one, or choose the files.", "info",
                action=("Set up a model…", self.open_model_setup))

    # ------------------------------------------------------------------------ building

    def _build(self) -> None:
        style = Path(__file__).with_name("style.qss")
        self.setStyleSheet(style.read_text(encoding="utf-8"))
        self.model_status = ModelLabel()
        self._menus = main_toolbar(self, self.model_status)
        self.model_status.show_state(self.settings, "not loaded")

        self.banner = Banner()
        left = InputColumn()
        self.drop_zone, self.history_pane = left.drop_zone, left.history_pane
        self.drop_zone.received.connect(self.accept_mime)
        self.drop_zone.clicked.connect(self.choose_image)
        self.history_pane.reopen.connect(self.reopen)
        self.history_pane.delete.connect(self.delete_entry)
        self.code = CodePane()
        self.code.edited.connect(self.on_edited)
        self.code.undo_exhausted.connect(self.back_a_version)
        self.page_bar = PageBar()
        self.page_bar.edit_asked.connect(self.edit_page)
        self.page_bar.version_chosen.connect(self.go_to_version)
        middle = QWidget()
        middle_col = QVBoxLayout(middle)
        middle_col.setContentsMargins(0, 0, 0, 0)
        middle_col.addWidget(self.code, 1)
        middle_col.addWidget(self.page_bar)
        self.code.textChanged.connect(self._update_actions)  # Export etc. follow the text
        self.compare = ComparePane()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("MainSplitter")
        for w in (left, middle, self.compare):
            self.splitter.addWidget(w)
        self.splitter.setSizes([260, 520, 700])
        central = QWidget()
        col = QVBoxLayout(central)
        col.setContentsMargins(10, 6, 10, 6)
        col.addWidget(self.banner)
        col.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.status = RunStatus(self.statusBar())
        self.live = LiveReview(self._renders, self.compare, self)
        self.live.reviewed.connect(self._on_reviewed)
        self.live.failed.connect(self._on_render_failed)
        self.help = HelpMenu(self)
        apply_look(self)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            apply_look(self)

    def menu(self, title: str) -> QMenu:
        """One of the menu bar's menus, for features that add their own actions."""
        return self._menus[title]

    # --------------------------------------------------------------------- state display

    @property
    def running(self) -> bool:
        return self._runner.running

    @property
    def backend(self) -> Any:
        """The backend kept for the current settings (its worker holds the loaded model)."""
        return self.backends.backend

    def _update_actions(self) -> None:
        has_shot, has_page = self.shot is not None, bool(self.code.toPlainText().strip())
        self.generate_action.setEnabled(has_shot and not self.running)
        self.stop_action.setEnabled(self.running)
        self.refine_action.setEnabled(has_shot and has_page and not self.running)
        self.page_bar.edit_box.setEnabled(has_page and not self.running)
        current = self.entry.current_version if self.entry is not None else None
        self.back_action.setEnabled(bool(current and current > 1) and not self.running)
        self.page_bar.versions.setEnabled(not self.running and self.page_bar.versions.count() > 1)
        for a in (self.export_action, self.export_all_action, self.copy_action,
                  self.browser_action):
            a.setEnabled(has_page)
        self.settings_action.setEnabled(not self.running)
        self.models_action.setEnabled(not self.running)

    def show_error(self, error: BaseException, what: str = "", details: str = "") -> None:
        """The message in plain words; the traceback behind Details, and in the log."""
        message, details = error_text(error, what, details)
        log.error("%s\n%s", message, details)
        self.banner.show_message(in_app_words(message), "error", details)

    # ---------------------------------------------------------------------- screenshots

    def choose_image(self) -> None:
        path = ask_screenshot(self)
        if path is not None:
            self.open_image(path)

    def paste(self) -> None:
        self.accept_mime(QGuiApplication.clipboard().mimeData(), "The clipboard")

    def accept_mime(self, mime: Any, holder: str = "That") -> None:
        got = image_from_mime(mime, holder)
        if isinstance(got, str):
            self.banner.show_message(got, "warning")
            return
        self.open_image(*got)

    def dragEnterEvent(self, event: Any) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:
        self.accept_mime(event.mimeData())
        event.acceptProposedAction()

    def open_image(self, source: Path | bytes, name: str | None = None,
                   device_pixel_ratio: float | None = None, then_generate: bool = False) -> None:
        """Read a screenshot off the UI thread, then show it (and clone it, if asked)."""
        from app.intake import load_screenshot

        self._generate_when_open = then_generate
        self.status.say_busy("Opening the screenshot…")
        run_in_thread(lambda: load_screenshot(source, device_pixel_ratio=device_pixel_ratio,
                                              name=name),
                      self.set_screenshot, self._on_open_failed, owner=self)

    def _on_open_failed(self, error: Exception) -> None:
        self.status.say("Ready")
        self.show_error(error, "Could not open the image")

    def set_screenshot(self, shot: Screenshot, entry: HistoryEntry | None = None) -> None:
        self.shot, self.entry, self.review = shot, entry, None
        self._show_title()
        self._show_versions()
        self.status.clear()
        self.drop_zone.show_screenshot(shot.png)
        self.compare.show_original(shot.png)
        if entry is None:
            self.code.show_text("")
        if self.banner.level != "info":
            self.banner.hide()
        self.status.say(f"{shot.describe()}. Press Generate (Ctrl+Enter).")
        self._update_actions()
        if self._generate_when_open:
            self._generate_when_open = False
            self.generate()

    # --------------------------------------------------------------------------- a run

    def generate(self) -> None:
        if self.shot is None or self.running:
            return
        settings, shot, backends, renders = self.settings, self.shot, self.backends, self._renders
        run = self.run = RunState(max_tokens=settings.max_tokens, background=self._save)
        self.review = None
        self._follow_up, self._steps = "", []
        self.code.show_text("")
        self.compare.show_original(shot.png)  # the last clone does not stay beside this run
        self.banner.hide()
        self.status.follow(run)
        history = self.history  # the run is recorded on the job's thread: it syncs to disk
        self._runner.start(lambda cancel: run_job(
            settings, shot, backends, cancel, renders,
            first=lambda: run.record_in(history, shot, settings)))
        self.live.follow(run, shot)
        self._update_actions()

    def stop(self) -> None:
        if self.running:
            self.status.say_busy("Stopping…")
            self._runner.cancel()

    def on_job_event(self, ev: JobEvent) -> None:
        from app.job.events import BackendReady, JobFailed, JobFinished, StepFinished, TokenChunk

        run = self.run
        if run is None:
            return
        run.apply(ev)
        if run.entry is not None and self.entry is not run.entry:
            self.entry = run.entry  # recorded: the Recent list shows it
            self.refresh_history()
        if run.model_state and self.model_status.property("state") != run.model_state:
            self.model_status.show_state(self.settings, run.model_state, run.model_detail)
        self.status.draw()
        match ev:
            case StepFinished(line=line):
                self._steps.append(line)
            case BackendReady(explanation=explanation, warning=warning):
                self.model_status.setToolTip(explanation)
                if warning:
                    self.banner.show_message(warning, "warning")
            case TokenChunk(text=text) if not self._follow_up:  # a follow-up keeps the page
                self.code.append_stream(text)
            case JobFinished(result=result):
                self.live.stop_previews()
                if self._follow_up:
                    self._finish_follow_up(result)
                self.code.show_text(result.page.html)
                if not result.page.found_html:
                    self.banner.show_message(
                        "The model wrote no HTML; its text is kept in the page.", "warning")
                if result.review is not None:
                    self.compare.show_review(result.review)
                    self._show_review(result.review, f" in {run.elapsed():.0f} s")
                elif result.review_error is not None:
                    self.status.say("Could not render the page")
                    self.show_error(result.review_error)
            case JobFailed(partial_text=partial):
                self.live.stop_previews()
                self.status.stop_clock()
                if not run.stopped:
                    self.show_error(ev.error, details=ev.details)
                if partial and not self.code.toPlainText():
                    self.code.show_text(partial)
                if run.stopped and partial.strip() and not self._follow_up:
                    self.banner.show_message(
                        f"Stopped after {run.tokens} tokens. What was written is in the code "
                        "pane: compare it now, or edit it.", "info",
                        action=("Compare now", self.compare_partial))
                self.refresh_history()

    def compare_partial(self) -> None:
        """After Stop: close off what was written, keep it as the page, and compare it."""
        if self.shot is not None:
            self.banner.hide()
            self.status.say_busy("Closing off the page…")
            self.live.close_off(self.code.page_text(), self.shot, self.entry, self.code.show_text)

    # ------------------------------------------------- asking again: refine, edit, versions

    def refine(self) -> None:
        """Ask the model to fix the page's worst differences from the screenshot; a round is
        kept only if the score rises, so the page never ends lower."""
        from app.job.refine import RefineJob, run_refine
        from app.page.repair import text_reader

        html, settings, renders = self.code.page_text(), self.settings, self._renders
        if self.shot is None or not html.strip():
            return
        job = RefineJob(screenshot=self.shot, html=html,
                        rounds=max(1, settings.refine_rounds), asking=self._asking())
        self._follow(job.job_id, "refine", lambda backend, cancel: run_refine(
            job, backend, renders, cancel, text_reader()))

    def edit_page(self, instruction: str) -> None:
        """Ask the model to change the page as ``instruction`` says; undone with Ctrl+Z."""
        from app.job.refine import EditJob, run_edit

        html, renders = self.code.page_text(), self._renders
        if self.shot is None or not html.strip() or not instruction.strip():
            return
        job = EditJob(html=html, instruction=instruction, screenshot=self.shot,
                      asking=self._asking())
        self._follow(job.job_id, "edit", lambda backend, cancel: run_edit(
            job, backend, renders, cancel))

    def _asking(self) -> Asking:
        from app.job.refine import Asking

        s = self.settings
        return Asking(max_tokens=s.max_tokens, temperature=s.temperature, seed=s.seed,
                      speculate=s.speculate)

    def _follow(self, job_id: str, what: str,
                events: Callable[[Backend, CancelToken], Any]) -> None:
        if self.running:
            return
        if self.entry is not None and not self.entry.versions():  # a page from before versions
            self.entry.save_page(self.code.page_text(), label="the page as it was")
        settings, backends = self.settings, self.backends
        self.run = RunState(max_tokens=settings.max_tokens)  # kept as versions, not a new run
        self._follow_up, self._steps = what, []
        self.banner.hide()
        self.status.follow(self.run)
        self._runner.start(lambda cancel: with_backend(
            settings, backends, job_id, lambda backend: events(backend, cancel)))
        self._update_actions()

    def _finish_follow_up(self, result: CloneResult) -> None:
        """Keep a refine's or an edit's pages as versions, and say what happened."""
        entry, versions = self.entry, result.versions
        if self._follow_up == "edit":
            self.page_bar.edit_box.clear()
        said = "\n".join(self._steps) or f"edit: {result.page.changes[0]}"
        kept = bool(versions)
        self.banner.show_message(
            ("Kept: " if kept else "Nothing better came back; the page stays as it was. ")
            + said.splitlines()[-1], "info", said)
        if entry is not None and versions:
            def keep() -> None:
                for v in versions:
                    entry.add_version(v)
                if result.review is not None:
                    entry.save_review(result.review)

            run_in_thread(keep, lambda _: (self.refresh_history(), self._show_versions()),
                          lambda e: self.show_error(e, "Could not save the version"), owner=self)
        self._follow_up = ""

    def back_a_version(self) -> None:
        """Ctrl+Z: the page's previous version (the later ones stay, to come back to)."""
        current = self.entry.current_version if self.entry is not None else None
        if current and current > 1 and not self.running:
            self.go_to_version(current - 1)

    def go_to_version(self, n: int) -> None:
        entry = self.entry
        if entry is None or self.running:
            return
        html = entry.go_to(n)
        self.code.show_text(html)
        self._show_versions()
        self._review(html, "version")

    def _show_versions(self) -> None:
        entry = self.entry
        self.page_bar.show_versions(entry.versions() if entry is not None else [],
                                    entry.current_version if entry is not None else None)
        self._update_actions()

    def _on_runner_idle(self) -> None:
        self._follow_up = ""
        self._show_versions()
        if self._closing:
            self.close()

    # ------------------------------------------------------------------------ rendering

    def _review(self, html: str, tag: str) -> None:
        if self.shot is not None:
            self.status.say_busy(STAGE_TEXT["render"])
            self.live.review(html, self.shot, tag,
                             cache_dir=self.entry.folder if self.entry is not None else None)

    def _on_reviewed(self, review: Review) -> None:
        self._show_review(review)
        if self.entry is not None:
            entry = self.entry
            self._save(lambda: entry.save_review(review))

    def _show_review(self, review: Review, took: str = "") -> None:
        self.review = review
        self.status.say(f"Done{took}: similarity {review.similarity:.2f}. Edit the "
                        "HTML to refine it, or export it (Ctrl+S).")
        self.status.stop_clock()
        self._update_actions()

    def _save(self, write: Callable[[], object]) -> None:
        """Write to the history off the UI thread, then show the list again."""
        run_in_thread(write, lambda _: self.refresh_history(),
                      lambda e: self.show_error(e, "Could not save the run"), owner=self)

    def _on_render_failed(self, error: Exception) -> None:
        self.status.say("Could not render the page")
        self.show_error(error, "Could not render the page")

    def on_edited(self, text: str) -> None:
        if self.running or self.shot is None or not text.strip():
            return
        if self.entry is not None:
            self.entry.save_page(text)
            self._show_versions()
        if self.banner.level in ("warning", "info"):
            self.banner.hide()  # about the model's answer, which the user has now replaced
        self._review(text, "edit")

    # --------------------------------------------------------------------------- output

    def export_with_pictures(self) -> Path | None:
        return self.export(with_pictures=True)

    def export(self, with_pictures: bool = False) -> Path | None:
        from app.ui.export import export_page

        html = self.code.page_text()
        if not html.strip():
            return None
        return export_page(self, html, self.shot, self.review, with_pictures,
                           lambda p: self.status.say(f"Exported {p}"),
                           lambda e: self.show_error(e, "Could not export"))

    def copy_html(self) -> None:
        QGuiApplication.clipboard().setText(self.code.page_text())
        self.status.say("HTML copied to the clipboard")

    def open_in_browser(self) -> None:
        page, opened = open_in_browser(self.code.page_text())
        if opened:
            self.status.say(f"Opened {page} in your web browser")
        else:
            self.banner.show_message(f"No web browser opened. The page is saved as {page}: "
                                     "open it from your browser.", "warning")

    def open_model_setup(self) -> None:
        from app.ui.model_setup import ModelSetupDialog

        dialog = ModelSetupDialog(self.settings, self)
        if dialog.exec() and dialog.chosen is not None:
            self.settings = dialog.chosen
            self.model_status.show_state(self.settings, "not loaded")
            self.banner.hide()

    def open_settings(self) -> None:
        from app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.settings = dialog.settings
            self.model_status.show_state(self.settings, "not loaded")
            if self.banner.level == "info":
                self.banner.hide()
            self.settings_changed.emit()

    def _show_title(self) -> None:
        name = Path(self.shot.source).name if self.shot is not None else ""
        self.setWindowTitle(f"{name} — ShotClone" if name else "ShotClone")

    def quit_app(self) -> None:
        """Quit for good, even when a tray icon would keep ShotClone running."""
        self.hide_on_close = False
        self.close()  # once closed (after any run has stopped), ``closed`` ends the app

    # -------------------------------------------------------------------------- history

    def refresh_history(self) -> None:
        self.history_pane.show_entries(self.history.by_screenshot(),
                                       self.entry.folder if self.entry is not None else None)

    def reopen(self, entry: HistoryEntry) -> None:
        if self.running:
            self.banner.show_message("Stop the current run before reopening another.", "info")
            return

        def load() -> tuple[Screenshot, str | None]:
            return entry.screenshot(), entry.html()

        def show(loaded: tuple[Screenshot, str | None]) -> None:
            shot, html = loaded
            self.set_screenshot(shot, entry)
            self.code.show_text(html or "")
            self._show_versions()
            if html:
                self._review(html, "reopen")

        run_in_thread(load, show, lambda e: self.show_error(e, "Could not reopen that run"),
                      owner=self)

    def delete_entry(self, runs: list[HistoryEntry]) -> None:
        """Delete every run of one screenshot, once the user says yes."""
        if self.running and self.entry is not None and \
                any(r.folder == self.entry.folder for r in runs):
            self.banner.show_message("Stop the current run before deleting it.", "info")
            return
        name = Path(str(runs[0].meta.get("source", "screenshot"))).name
        what = "this run" if len(runs) == 1 else f"the {len(runs)} runs"
        if QMessageBox.question(
                self, "Delete?", f"Delete {what} of {name} (screenshot, page and pictures)? "
                "This cannot be undone.") != QMessageBox.StandardButton.Yes:
            return
        for entry in runs:
            self.history.delete(entry)
            if self.entry is not None and self.entry.folder == entry.folder:
                self.entry = None
        self.refresh_history()

    # ----------------------------------------------------------------------------- exit

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.hide_on_close and self.settings.keep_in_tray and not self._closing:
            self.hide()  # the tray icon keeps ShotClone (and its hotkey) running
            event.ignore()
            return
        if self.running:
            self._closing = True  # stop first; the window closes when the run has ended
            self._runner.cancel()
            self.status.say_busy("Stopping before closing…")
            event.ignore()
            return
        save_window(self, self.splitter)
        self.live.stop_previews()
        self.status.stop_clock()
        self._renders.shutdown()
        self.backends.close()
        super().closeEvent(event)
        self.closed.emit()
