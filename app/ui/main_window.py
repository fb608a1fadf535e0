"""The main window: a screenshot in on the left, the HTML streaming in the middle, the render
and its comparison on the right. Everything slow runs off the UI thread; every run is kept."""

from __future__ import annotations

import tempfile
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QGuiApplication,
    QIcon,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from app.outputs.history import History, HistoryEntry
from app.settings import Settings, load_settings
from app.ui.banner import Banner
from app.ui.code_pane import CodePane
from app.ui.compare_pane import ComparePane
from app.ui.input_pane import DropZone, HistoryPane, image_from_mime
from app.ui.threads import run_in_thread
from inference.errors import ShotCloneError

if TYPE_CHECKING:
    from app.intake import Screenshot
    from app.job.events import CloneResult, JobEvent, JobFailed
    from app.ui.job_runner import QtJobRunner
    from app.ui.render_service import RenderOutcome, RenderRequest, RenderService

PREVIEW_EVERY_MS = 1000
IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp *.tif *.tiff)"
_STAGES = {"load": "Loading the model…", "prompt": "Reading the screenshot…",
           "generate": "Writing HTML", "html": "Cleaning the HTML…",
           "render": "Rendering…", "compare": "Comparing…"}


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
        self.entry: HistoryEntry | None = None
        self.result: CloneResult | None = None
        self.review: Any = None
        self.backend: Any = None
        self._backend_key: tuple[Any, ...] | None = None
        self._runner: QtJobRunner | None = None
        self._renders: RenderService | None = None
        self._streamed: list[str] = []
        self._tokens = 0
        self._max_tokens = 0
        self._first_token_at = 0.0
        self._started = 0.0
        self._previewed = 0
        self._closing = False
        self.hide_on_close = False  # set by the shell when a tray icon keeps the app running
        self._generate_when_open = False
        self.settings = self._load_settings()

        self._build()
        self._restore()
        self.refresh_history()
        self._update_actions()
        if not self.settings.model and not self.settings.endpoint:
            self.banner.show_message(
                "No model is set yet: use one already on this machine, download the "
                "recommended one, or choose the files.", "info",
                action=("Set up a model…", self.open_model_setup))

    # ------------------------------------------------------------------------ building

    def _build(self) -> None:
        style = Path(__file__).with_name("style.qss")
        self.setStyleSheet(style.read_text(encoding="utf-8"))
        tb = QToolBar("Main", movable=False)
        tb.setObjectName("MainToolbar")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(tb)

        def action(text: str, keys: QKeySequence | str | None, slot: Any, tip: str) -> QAction:
            a = QAction(text, self)
            if keys is not None:
                a.setShortcut(QKeySequence(keys))
            a.setToolTip(f"{tip} ({QKeySequence(keys).toString()})" if keys else tip)
            a.triggered.connect(slot)
            self.addAction(a)
            return a

        self.open_action = action("Open…", QKeySequence.StandardKey.Open, self.choose_image,
                                  "Open a screenshot")
        self.paste_action = action("Paste", QKeySequence.StandardKey.Paste, self.paste,
                                   "Paste a screenshot from the clipboard")
        self.capture_action = action("Capture", None, lambda: None,
                                     "Drag a rectangle over any part of the screen")
        self.generate_action = action("Generate", "Ctrl+Return", self.generate,
                                      "Write the HTML for this screenshot")
        self.stop_action = action("Stop", "Esc", self.stop, "Stop writing")
        self.export_action = action("Export…", QKeySequence.StandardKey.Save, self.export,
                                    "Save the page as one .html file")
        self.export_all_action = action("Export with pictures…", "Ctrl+Shift+S",
                                        lambda: self.export(with_pictures=True),
                                        "Save the page, its render and the difference picture")
        self.copy_action = action("Copy HTML", "Ctrl+Shift+C", self.copy_html,
                                  "Copy the page's HTML")
        self.browser_action = action("Open in browser", "Ctrl+B", self.open_in_browser,
                                     "Open the page in your web browser")
        self.settings_action = action("Settings…", "Ctrl+,", self.open_settings,
                                      "Model, GPU and writing settings")
        self.models_action = action("Models…", "Ctrl+M", self.open_model_setup,
                                    "Use a model found on this machine, or download one")
        for a in (self.open_action, self.paste_action, self.capture_action, None,
                  self.generate_action,
                  self.stop_action, None, self.export_action, self.copy_action,
                  self.browser_action, None, self.models_action, self.settings_action):
            tb.addSeparator() if a is None else tb.addAction(a)
        spacer = QWidget()
        spacer.setSizePolicy(spacer.sizePolicy().horizontalPolicy().Expanding,
                             spacer.sizePolicy().verticalPolicy().Preferred)
        tb.addWidget(spacer)
        self.model_status = QLabel()
        self.model_status.setObjectName("ModelStatus")
        tb.addWidget(self.model_status)
        self._show_model_state("not loaded")

        self.banner = Banner()
        self.drop_zone = DropZone()
        self.drop_zone.received.connect(self.accept_mime)
        self.history_pane = HistoryPane()
        self.history_pane.reopen.connect(self.reopen)
        self.history_pane.delete.connect(self.delete_entry)
        left = QWidget()
        lcol = QVBoxLayout(left)
        lcol.setContentsMargins(0, 0, 0, 0)
        lcol.addWidget(self.drop_zone, 2)
        title = QLabel("Recent")
        title.setObjectName("PaneTitle")
        lcol.addWidget(title)
        lcol.addWidget(self.history_pane, 3)
        self.code = CodePane()
        self.code.edited.connect(self.on_edited)
        self.compare = ComparePane()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("MainSplitter")
        for w in (left, self.code, self.compare):
            self.splitter.addWidget(w)
        self.splitter.setSizes([260, 520, 700])
        central = QWidget()
        col = QVBoxLayout(central)
        col.setContentsMargins(10, 6, 10, 6)
        col.addWidget(self.banner)
        col.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.phase = QLabel("Ready")
        self.progress = QProgressBar(maximumWidth=260, textVisible=False)
        self.progress.setRange(0, 1)
        self.token_label = QLabel()
        self.speed_label = QLabel()
        self.elapsed_label = QLabel()
        bar = self.statusBar()
        bar.addWidget(self.phase, 1)
        for w in (self.token_label, self.speed_label, self.elapsed_label, self.progress):
            bar.addPermanentWidget(w)
        self._ticker = QTimer(self, interval=250)
        self._ticker.timeout.connect(self._tick)
        self._preview_timer = QTimer(self, interval=PREVIEW_EVERY_MS)
        self._preview_timer.timeout.connect(self._preview)

    def _restore(self) -> None:
        state = QSettings()
        geometry = state.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1480, 880)
        splitter = state.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def _load_settings(self) -> Settings:
        try:
            return load_settings()
        except ShotCloneError as e:
            message = str(e)
            QTimer.singleShot(0, lambda: self.banner.show_message(message))
            return Settings()

    # --------------------------------------------------------------------- state display

    @property
    def running(self) -> bool:
        return self._runner is not None and self._runner.running

    def _update_actions(self) -> None:
        has_shot, has_page = self.shot is not None, bool(self.code.toPlainText().strip())
        self.generate_action.setEnabled(has_shot and not self.running)
        self.stop_action.setEnabled(self.running)
        for a in (self.export_action, self.export_all_action, self.copy_action,
                  self.browser_action):
            a.setEnabled(has_page)
        self.settings_action.setEnabled(not self.running)
        self.models_action.setEnabled(not self.running)

    def _show_model_state(self, state: str, detail: str = "") -> None:
        s = self.settings
        if s.endpoint:
            name = f"Server {s.endpoint}"
        elif s.model:
            name = Path(s.model).stem
        else:
            name = "no model"
        self.model_status.setText(f"{name} · {state}{' · ' + detail if detail else ''}")
        self.model_status.setProperty("state", state)

    def _set_phase(self, text: str, busy: bool = True) -> None:
        self.phase.setText(text)
        if busy:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1)
            self.progress.setValue(1)

    def _tick(self) -> None:
        if self._started:
            self.elapsed_label.setText(f"{time.monotonic() - self._started:.0f} s")

    def show_error(self, error: BaseException, what: str = "") -> None:
        details = "".join(traceback.format_exception(error))
        log = getattr(error, "log_tail", ())
        if log:
            details = "llama.cpp's log:\n" + "\n".join(log) + "\n\n" + details
        message = str(error) if isinstance(error, ShotCloneError) else \
            f"{what or 'Something went wrong'}: {type(error).__name__}: {error}"
        self.banner.show_message(message.split("\nLast lines")[0], "error", details)

    # ---------------------------------------------------------------------- screenshots

    def choose_image(self) -> None:
        state = QSettings()
        start = str(state.value("files/last_folder", str(Path.home())))
        path, _ = QFileDialog.getOpenFileName(self, "Open a screenshot", start, IMAGE_FILTER)
        if path:
            state.setValue("files/last_folder", str(Path(path).parent))
            self.open_image(Path(path))

    def paste(self) -> None:
        self.accept_mime(QGuiApplication.clipboard().mimeData())

    def accept_mime(self, mime: Any) -> None:
        got = image_from_mime(mime)
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
        self._set_phase("Opening the screenshot…")
        run_in_thread(lambda: load_screenshot(source, device_pixel_ratio=device_pixel_ratio,
                                              name=name),
                      self.set_screenshot, self._on_open_failed, owner=self)

    def _on_open_failed(self, error: Exception) -> None:
        self._set_phase("Ready", busy=False)
        self.show_error(error, "Could not open the image")

    def set_screenshot(self, shot: Screenshot, entry: HistoryEntry | None = None) -> None:
        self.shot, self.entry, self.result, self.review = shot, entry, None, None
        self.drop_zone.show_screenshot(shot.png)
        self.compare.show_original(shot.png)
        if entry is None:
            self.code.show_text("")
        if self.banner.level != "info":
            self.banner.hide()
        scale = f" at {shot.device_pixel_ratio:g}x" if shot.device_pixel_ratio != 1 else ""
        notes = f" ({'; '.join(shot.changes)})" if shot.changes else ""
        self._set_phase(f"{Path(shot.source).name}: {shot.width}x{shot.height} px{scale}{notes}."
                        " Press Generate (Ctrl+Enter).", busy=False)
        self._update_actions()
        if self._generate_when_open:
            self._generate_when_open = False
            self.generate()

    # --------------------------------------------------------------------------- a run

    def _ensure_backend(self) -> Any:
        from inference.backend import make_backend
        from inference.remote import RemoteConfig

        s = self.settings
        key = (s.endpoint, s.endpoint_model) if s.endpoint else (s.engine_config(),)
        if self.backend is not None and key == self._backend_key:
            return self.backend
        if self.backend is not None:
            self.backend.close()
            self.backend = None
        if s.endpoint:
            self.backend = make_backend("remote", config=RemoteConfig(
                endpoint=s.endpoint, model=s.endpoint_model or None))
        else:
            from inference.engine import gpu_offload_supported
            from inference.vram import auto_plan

            config, explanation = auto_plan(s.engine_config())
            self.model_status.setToolTip(explanation)
            if isinstance(config.gpu_layers, int) and config.gpu_layers > 0 \
                    and not gpu_offload_supported():
                self.banner.show_message(
                    f"You asked for {config.gpu_layers} GPU layers, but this llama.cpp was "
                    "built for the CPU only, so the model runs on the CPU. Run "
                    "scripts/setup.sh again on a machine with the CUDA toolkit (or Metal, or "
                    "Vulkan) to build a GPU-enabled llama.cpp.", "warning")
            self.backend = make_backend("worker", config=config)
        self._backend_key = key
        return self.backend

    def generate(self) -> None:
        if self.shot is None or self.running:
            return
        from app.job.pipeline import CloneJob
        from app.ui.job_runner import QtJobRunner

        try:
            backend = self._ensure_backend()
        except ShotCloneError as e:
            self.show_error(e)
            return
        s = self.settings
        job = CloneJob(screenshot=self.shot, max_tokens=s.max_tokens, temperature=s.temperature,
                       seed=None if s.seed < 0 else s.seed)
        if self._runner is None:
            self._runner = QtJobRunner(self)
            self._runner.event.connect(self.on_job_event)
            self._runner.finished.connect(self.on_job_finished)
            self._runner.failed.connect(self.on_job_failed)
            self._runner.idle.connect(self._on_runner_idle)
        from dataclasses import asdict

        self.entry = self.history.start(self.shot, asdict(s))
        self.result = self.review = None
        self._streamed, self._tokens, self._previewed = [], 0, 0
        self._max_tokens, self._first_token_at = s.max_tokens, 0.0
        self._started = time.monotonic()
        self.code.show_text("")
        self.compare.badge.clear_score()
        self.banner.hide()
        self.token_label.clear()
        self.speed_label.clear()
        self._runner.start(job, backend)
        self._ticker.start()
        self._preview_timer.start()
        self.refresh_history()
        self._update_actions()

    def stop(self) -> None:
        if self.running and self._runner is not None:
            self._set_phase("Stopping…")
            self._runner.cancel()

    def on_job_event(self, ev: JobEvent) -> None:
        from app.job.events import ImageRead, ModelReady, StageStarted, TokenChunk

        match ev:
            case StageStarted(stage="load"):
                self._show_model_state("loading")
                self._set_phase(_STAGES["load"])
            case StageStarted(stage=stage):
                self._set_phase(_STAGES[stage])
            case ModelReady(gpu_layers=layers, load_s=seconds):
                where = f"GPU, {layers} layers" if layers else "CPU"
                self._show_model_state("ready", f"{where} · loaded in {seconds:.1f} s")
            case ImageRead(tokens=n, seconds=seconds):
                self._set_phase(f"Read the screenshot: {n} image tokens in {seconds:.1f} s")
            case TokenChunk(text=text, n_tokens=n, max_tokens=limit, at=at):
                if self.running and self.model_status.property("state") != "ready":
                    self._show_model_state("ready")
                self._first_token_at = self._first_token_at or at
                self._streamed.append(text)
                self._tokens = n
                self.code.append_stream(text)
                if self.entry is not None:
                    self.entry.append_stream(text)
                self.progress.setRange(0, limit)
                self.progress.setValue(n)
                self.phase.setText(f"Writing HTML: {n} / {limit} tokens")
                self.token_label.setText(f"{n} tokens")
                if at > self._first_token_at:
                    rate = (n - 1) / (at - self._first_token_at)
                    self.speed_label.setText(f"{rate:.1f} tok/s")

    def _preview(self) -> None:
        """About once a second while writing: repair the partial HTML and render it."""
        if not self._streamed or self._tokens == self._previewed or self.shot is None:
            return
        self._previewed = self._tokens
        self._render("".join(self._streamed), compare=False, tag="preview", repair=True)

    def on_job_finished(self, result: CloneResult) -> None:
        self.result = result
        self._preview_timer.stop()
        self.code.show_text(result.html.html)
        if self.entry is not None:
            self.entry.finish(result)
        s = result.stats
        self.token_label.setText(f"{s.completion_tokens} tokens")
        self.speed_label.setText(f"{s.decode_tps:.1f} tok/s")
        if not result.html.found_html:
            self.banner.show_message("The model wrote no HTML; its text is kept in the page.",
                                     "warning")
        self._render(result.html.html, compare=True, tag="final")

    def on_job_failed(self, failed: JobFailed) -> None:
        from inference.errors import Cancelled

        self._preview_timer.stop()
        self._ticker.stop()
        partial = failed.partial_text
        if isinstance(failed.error, Cancelled):
            self._set_phase(f"Stopped after {self._tokens} tokens; what was written is kept.",
                            busy=False)
            if self.entry is not None:
                self.entry.fail("stopped by the user", status="stopped")
        else:
            self._set_phase("Failed", busy=False)
            self.show_error(failed.error)
            if self.entry is not None:
                self.entry.fail(str(failed.error))
            self._show_model_state("not loaded")
        if partial and not self.code.toPlainText():
            self.code.show_text(partial)
        self.refresh_history()

    def _on_runner_idle(self) -> None:
        self._update_actions()
        if self._closing:
            self.close()

    # ------------------------------------------------------------------------ rendering

    def _render(self, html: str, *, compare: bool, tag: str, repair: bool = False) -> None:
        if self.shot is None:
            return
        from app.ui.render_service import RenderRequest, RenderService

        if self._renders is None:
            self._renders = RenderService(self)
            self._renders.rendered.connect(self.on_rendered)
            self._renders.failed.connect(self.on_render_failed)
        if compare:
            self._set_phase(_STAGES["render"])
        self._renders.request(RenderRequest(html=html, screenshot=self.shot, compare=compare,
                                            tag=tag, repair=repair))

    def on_rendered(self, request: RenderRequest, outcome: RenderOutcome | None) -> None:
        if request.screenshot is not self.shot or outcome is None:
            return  # for a screenshot no longer shown, or a preview with no HTML yet
        if request.tag == "preview":
            if self.result is None:  # the final render has not replaced it yet
                self.compare.show_render(outcome.rendered.rgb)
            return
        self.review = outcome.review
        self.compare.show_review(outcome.review, outcome.heatmap)
        if self.entry is not None:
            entry, review = self.entry, outcome.review
            run_in_thread(lambda: entry.save_review(review), lambda _: self.refresh_history(),
                          lambda e: self.show_error(e, "Could not save the run's pictures"),
                          owner=self)
        c = outcome.review.comparison
        took = f" in {time.monotonic() - self._started:.0f} s" if request.tag == "final" else ""
        self._set_phase(f"Done{took}: similarity {c.similarity:.2f}. Edit the HTML to refine it, "
                        "or export it (Ctrl+S).", busy=False)
        self._ticker.stop()
        self._update_actions()

    def on_render_failed(self, request: RenderRequest, error: Exception) -> None:
        if request.tag != "preview":
            self._set_phase("Could not render the page", busy=False)
            self.show_error(error, "Could not render the page")

    def on_edited(self, text: str) -> None:
        if self.running or self.shot is None or not text.strip():
            return
        if self.entry is not None:
            self.entry.save_page(text)
        if self.banner.level in ("warning", "info"):
            self.banner.hide()  # about the model's answer, which the user has now replaced
        self._render(text, compare=True, tag="edit")

    # --------------------------------------------------------------------------- output

    def export(self, with_pictures: bool = False) -> Path | None:
        html = self.code.toPlainText()
        if not html.strip():
            return None
        state = QSettings()
        suggested = Path(str(state.value("files/export_folder", str(Path.home())))) / (
            Path(self.shot.source).stem + ".html" if self.shot else "page.html")
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the page", str(suggested), "HTML page (*.html)",
            options=QFileDialog.Option.DontConfirmOverwrite)
        if not path:
            return None
        target = Path(path).with_suffix(".html") if not path.endswith((".html", ".htm")) \
            else Path(path)
        pictures = [target.with_name(f"{target.stem}-{n}.png") for n in ("render", "diff")] \
            if with_pictures and self.review is not None else []
        existing = [p for p in (target, *pictures) if p.exists()]
        if existing and QMessageBox.question(
                self, "Replace?", "Replace " + ", ".join(p.name for p in existing) + "?",
        ) != QMessageBox.StandardButton.Yes:
            return None
        state.setValue("files/export_folder", str(target.parent))
        shot, review = self.shot, self.review

        def write() -> Path:
            from app.outputs.files import write_atomic
            from app.review.compare import heatmap
            from app.review.review import png_bytes

            write_atomic(target, html, overwrite=True)
            if pictures and shot is not None:
                write_atomic(pictures[0], review.rendered.png, overwrite=True)
                write_atomic(pictures[1], png_bytes(heatmap(shot.image(), review.comparison)),
                             overwrite=True)
            return target

        run_in_thread(write, lambda p: self._set_phase(f"Exported {p}", busy=False),
                      lambda e: self.show_error(e, "Could not export"), owner=self)
        return target

    def copy_html(self) -> None:
        QGuiApplication.clipboard().setText(self.code.toPlainText())
        self._set_phase("HTML copied to the clipboard", busy=False)

    def open_in_browser(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="shotclone-"))
        page = folder / "page.html"
        page.write_text(self.code.toPlainText(), encoding="utf-8")
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(page)))

    def open_model_setup(self) -> None:
        from app.ui.model_setup import ModelSetupDialog

        dialog = ModelSetupDialog(self.settings, self)
        if dialog.exec() and dialog.chosen is not None:
            self.settings = dialog.chosen
            self._show_model_state("not loaded")
            self.banner.hide()

    def open_settings(self) -> None:
        from app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.settings = dialog.settings
            self._show_model_state("not loaded")
            if self.banner.level == "info":
                self.banner.hide()
            self.settings_changed.emit()

    # -------------------------------------------------------------------------- history

    def refresh_history(self) -> None:
        self.history_pane.show_entries(self.history.entries())

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
            if html:
                self._render(html, compare=True, tag="reopen")

        run_in_thread(load, show, lambda e: self.show_error(e, "Could not reopen that run"),
                      owner=self)

    def delete_entry(self, entry: HistoryEntry) -> None:
        if entry is self.entry and self.running:
            return
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
        if self.running and self._runner is not None:
            self._closing = True  # stop first; the window closes when the run has ended
            self._runner.cancel()
            self._set_phase("Stopping before closing…")
            event.ignore()
            return
        state = QSettings()
        state.setValue("window/geometry", self.saveGeometry())
        state.setValue("window/splitter", self.splitter.saveState())
        self._preview_timer.stop()
        self._ticker.stop()
        if self._renders is not None:
            self._renders.shutdown()
            self._renders = None
        if self.backend is not None:
            self.backend.close()
            self.backend = None
        super().closeEvent(event)
        self.closed.emit()
