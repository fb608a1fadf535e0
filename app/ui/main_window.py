"""The main window: a screenshot in on the left, the HTML streaming in the middle, the render
and its comparison on the right. Everything slow runs off the UI thread; every run is kept."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QIcon
from PySide6.QtWidgets import QMainWindow, QMenu, QSplitter, QVBoxLayout, QWidget

from app.job.run import STAGE_TEXT, BackendKeeper, RunState, error_text, run_job
from app.outputs.history import History, HistoryEntry
from app.settings import load_settings_or_defaults
from app.ui.actions import main_toolbar
from app.ui.banner import Banner
from app.ui.code_pane import CodePane
from app.ui.compare_pane import ComparePane
from app.ui.export import PageOutput
from app.ui.help_menu import HelpMenu
from app.ui.input_pane import InputColumn, ask_screenshot, image_from_mime
from app.ui.job_runner import QtJobRunner
from app.ui.live_review import LiveReview
from app.ui.model_menu import ModelMenu
from app.ui.page_bar import PageBar
from app.ui.page_versions import PageVersions
from app.ui.recent_runs import RecentRuns
from app.ui.render_service import RenderService
from app.ui.run_status import ModelLabel, RunStatus
from app.ui.stopped_run import StoppedRun
from app.ui.theme import follow_palette
from app.ui.threads import run_in_thread
from app.ui.window_state import keep_checked, restore_window, save_window
from app.ui.wording import in_app_words

if TYPE_CHECKING:
    from app.intake import Screenshot
    from app.job.events import JobEvent
    from app.review.review import Review

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
        self.review: Any = None
        self.backends = BackendKeeper()  # used on the job's thread only
        self.runner = QtJobRunner(self)
        self.runner.event.connect(self.on_job_event)
        self.runner.idle.connect(self._on_runner_idle)
        self.renders = RenderService(self)  # the warm browser, for the job and the previews
        self._closing = False
        self.hide_on_close = False  # set by the shell when a tray icon keeps the app running
        self._generate_when_open = False
        self.settings, problem = load_settings_or_defaults()
        # the window's behaviour, in parts beside it (menu slots may name one: "output.export")
        self.versions, self.recent = PageVersions(self), RecentRuns(self)
        self.output, self.model_menu, self.help = PageOutput(self), ModelMenu(self), HelpMenu(self)
        self.stopped = StoppedRun(self)

        self._build()
        restore_window(self, self.splitter)
        keep_checked(self.wrap_action, "view/wrap", False, self.code.set_wrap)
        keep_checked(self.format_action, "view/formatted", True, self.code.set_formatted)
        self.recent.refresh()
        self.update_actions()
        if problem:  # a broken settings file: the window opens anyway and says why
            self.banner.show_message(problem, "warning")
        elif not self.settings.model and not self.settings.endpoint:
            self.banner.show_message(
                "No model is set yet: use one already on this machine, download the "
                "recommended one, or choose the files.", "info",
                action=("Set up a model…", self.model_menu.open_model_setup))

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
        self.history_pane.reopen.connect(self.recent.reopen)
        self.history_pane.delete.connect(self.recent.delete)
        self.code = CodePane()
        self.code.edited.connect(self.on_edited)
        self.code.undo_exhausted.connect(self.versions.back)
        self.page_bar = PageBar()
        self.page_bar.edit_asked.connect(self.versions.edit)
        self.page_bar.version_chosen.connect(self.versions.go_to)
        middle = QWidget()
        middle_col = QVBoxLayout(middle)
        middle_col.setContentsMargins(0, 0, 0, 0)
        middle_col.addWidget(self.code, 1)
        middle_col.addWidget(self.page_bar)
        self.code.textChanged.connect(self.update_actions)  # Export etc. follow the text
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
        self.live = LiveReview(self.renders, self.compare, self)
        self.live.reviewed.connect(self._on_reviewed)
        self.live.failed.connect(self._on_render_failed)
        follow_palette(self)

    def menu(self, title: str) -> QMenu:
        """One of the menu bar's menus, for features that add their own actions."""
        return self._menus[title]

    # --------------------------------------------------------------------- state display

    @property
    def running(self) -> bool:
        return self.runner.running

    @property
    def backend(self) -> Any:
        """The backend kept for the current settings (its worker holds the loaded model)."""
        return self.backends.backend

    def update_actions(self) -> None:
        has_shot, has_page = self.shot is not None, bool(self.code.toPlainText().strip())
        self.generate_action.setEnabled(has_shot and not self.running)
        self.stop_action.setEnabled(self.running)
        self.versions.update_actions(has_shot, has_page, self.running)
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
        self.versions.show()
        self.status.clear()
        self.drop_zone.show_screenshot(shot.png)
        self.compare.show_original(shot.png)
        if entry is None:
            self.code.show_text("")
        if self.banner.level != "info":
            self.banner.hide()
        self.status.say(f"{shot.describe()}. Press Generate (Ctrl+Enter).")
        self.update_actions()
        if self._generate_when_open:
            self._generate_when_open = False
            self.generate()

    # --------------------------------------------------------------------------- a run

    def generate(self) -> None:
        if self.shot is None or self.running:
            return
        settings, shot, backends, renders = self.settings, self.shot, self.backends, self.renders
        run = self.run = RunState(max_tokens=settings.max_tokens, background=self._save)
        self.review = None
        self.versions.reset()
        self.code.show_text("")
        self.compare.show_original(shot.png)  # the last clone does not stay beside this run
        self.banner.hide()
        self.status.follow(run)
        history = self.history  # the run is recorded on the job's thread: it syncs to disk
        self.runner.start(lambda cancel: run_job(
            settings, shot, backends, cancel, renders,
            first=lambda: run.record_in(history, shot, settings)))
        self.live.follow(run, shot)
        self.update_actions()

    def stop(self) -> None:
        if self.running:
            self.status.say_busy("Stopping…")
            self.runner.cancel()

    def on_job_event(self, ev: JobEvent) -> None:
        from app.job.events import BackendReady, JobFailed, JobFinished, StepFinished, TokenChunk

        run = self.run
        if run is None:
            return
        run.apply(ev)
        if run.entry is not None and self.entry is not run.entry:
            self.entry = run.entry  # recorded: the Recent list shows it
            self.recent.refresh()
        if run.model_state and self.model_status.property("state") != run.model_state:
            self.model_status.show_state(self.settings, run.model_state, run.model_detail)
        self.status.draw()
        match ev:
            case StepFinished(line=line):
                self.versions.steps.append(line)
            case BackendReady(explanation=explanation, warning=warning):
                self.model_status.setToolTip(explanation)
                if warning:
                    self.banner.show_message(warning, "warning")
            case TokenChunk(text=text) if not self.versions.asking:  # a follow-up keeps the page
                self.code.append_stream(text)
            case JobFinished(result=result):
                self.live.stop_previews()
                if self.versions.asking:
                    self.versions.finish(result)
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
                if run.stopped and partial.strip() and not self.versions.asking:
                    self.stopped.offer_compare(run.tokens)
                self.recent.refresh()

    def _on_runner_idle(self) -> None:
        self.versions.reset()
        self.versions.show()
        if self._closing:
            self.close()

    # ------------------------------------------------------------------------ rendering

    def review_page(self, html: str, tag: str) -> None:
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
        self.update_actions()

    def _save(self, write: Callable[[], object]) -> None:
        """Write to the history off the UI thread, then show the list again."""
        run_in_thread(write, lambda _: self.recent.refresh(),
                      lambda e: self.show_error(e, "Could not save the run"), owner=self)

    def _on_render_failed(self, error: Exception) -> None:
        self.status.say("Could not render the page")
        self.show_error(error, "Could not render the page")

    def on_edited(self, text: str) -> None:
        if self.running or self.shot is None or not text.strip():
            return
        if self.entry is not None:
            self.entry.save_page(text)
            self.versions.show()
        if self.banner.level in ("warning", "info"):
            self.banner.hide()  # about the model's answer, which the user has now replaced
        self.review_page(text, "edit")

    def _show_title(self) -> None:
        name = Path(self.shot.source).name if self.shot is not None else ""
        self.setWindowTitle(f"{name} — ShotClone" if name else "ShotClone")

    def quit_app(self) -> None:
        """Quit for good, even when a tray icon would keep ShotClone running."""
        self.hide_on_close = False
        self.close()  # once closed (after any run has stopped), ``closed`` ends the app

    # ----------------------------------------------------------------------------- exit

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.hide_on_close and self.settings.keep_in_tray and not self._closing:
            self.hide()  # the tray icon keeps ShotClone (and its hotkey) running
            event.ignore()
            return
        if self.running:
            self._closing = True  # stop first; the window closes when the run has ended
            self.runner.cancel()
            self.status.say_busy("Stopping before closing…")
            event.ignore()
            return
        save_window(self, self.splitter)
        self.live.stop_previews()
        self.status.stop_clock()
        self.renders.shutdown()
        self.backends.close()
        super().closeEvent(event)
        self.closed.emit()
