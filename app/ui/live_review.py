"""The renders the window asks for, shown on the compare pane: a preview of the answer about
once a second while the model writes, and a review of a page the user edited or reopened.
(A finished job's review comes from the pipeline itself.)"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.intake import Screenshot
from app.job.run import RunState
from app.outputs.history import HistoryEntry
from app.review.render import Rendered
from app.review.review import Review
from app.ui.compare_pane import ComparePane
from app.ui.render_service import RenderRequest, RenderService
from app.ui.threads import run_in_thread

PREVIEW_EVERY_MS = 1000


class LiveReview(QObject):
    reviewed = Signal(object)  # Review of an edited or reopened page, already shown
    failed = Signal(object)  # the exception, when a page (not a preview) could not render

    def __init__(self, renders: RenderService, pane: ComparePane,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.renders, self.pane = renders, pane
        self.shot: Screenshot | None = None  # renders for any other screenshot are dropped
        self.run: RunState | None = None
        self._timer = QTimer(self, interval=PREVIEW_EVERY_MS)
        self._timer.timeout.connect(self._preview)
        renders.rendered.connect(self._on_rendered)
        renders.failed.connect(self._on_failed)

    def follow(self, run: RunState, shot: Screenshot) -> None:
        """Preview ``run``'s answer while it streams."""
        self.run, self.shot = run, shot
        self._timer.start()

    def stop_previews(self) -> None:
        self._timer.stop()

    def review(self, html: str, shot: Screenshot, tag: str, cache_dir: Path | None = None) -> None:
        """``cache_dir`` keeps the screenshot's OCR (its history folder)."""
        self.shot = shot
        self.renders.request(RenderRequest(html=html, screenshot=shot, compare=True, tag=tag,
                                           cache_dir=cache_dir))

    def close_off(self, text: str, shot: Screenshot, entry: HistoryEntry | None,
                  show: Callable[[str], None]) -> None:
        """A stopped run's text closed off as a page (off the UI thread), kept in ``entry``,
        handed to ``show``, then reviewed."""
        from app.page.html import clean_model_output

        def clean() -> str:
            html = clean_model_output(text).html
            if entry is not None:
                entry.save_page(html)
            return html

        def done(html: str) -> None:
            show(html)
            self.review(html, shot, "stopped",
                        cache_dir=entry.folder if entry is not None else None)

        run_in_thread(clean, done, self.failed.emit, owner=self)

    def _preview(self) -> None:
        text = self.run.take_preview() if self.run is not None else None
        if text is not None and self.shot is not None:
            self.renders.request(RenderRequest(html=text, screenshot=self.shot, compare=False,
                                               tag="preview", repair=True))

    def _on_rendered(self, request: RenderRequest, outcome: Review | Rendered | None) -> None:
        if request.screenshot is not self.shot or outcome is None:
            return  # for a screenshot no longer shown, or a preview with no HTML yet
        if isinstance(outcome, Rendered):  # a preview: shown until the final review is in
            if self._timer.isActive():
                self.pane.show_render(outcome.rgb)
            return
        self.pane.show_review(outcome)
        self.reviewed.emit(outcome)

    def _on_failed(self, request: RenderRequest, error: Exception) -> None:
        if request.tag != "preview":
            self.failed.emit(error)
