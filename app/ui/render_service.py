"""Renders (and compares) pages on a thread that owns the warm browser, since Playwright is
bound to the thread that started it. That thread is a plain Python thread: Playwright's
greenlets crash in a QThread. Requests never queue up: while one render runs, only the newest
request waits, and it replaces any older one."""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from app.intake import Screenshot


@dataclass(frozen=True, kw_only=True)
class RenderRequest:
    html: str
    screenshot: Screenshot
    compare: bool  # False: a live preview, the picture alone
    tag: str = ""  # what asked for it ("preview", "final", "edit"), handed back with the result
    repair: bool = False  # a model's partial answer: extract and close it first


@dataclass(frozen=True, kw_only=True)
class RenderOutcome:
    """Everything the window shows, computed off the UI thread."""

    rendered: Any  # app.review.render.Rendered
    review: Any = None  # app.review.review.Review, when compared
    heatmap: Any = None  # RGB array of the differences, when compared


def _render_one(renderer: Any, request: RenderRequest) -> RenderOutcome | None:
    from app.page.html import clean_model_output
    from app.review.compare import heatmap
    from app.review.review import render_page, review

    html = request.html
    if request.repair:
        cleaned = clean_model_output(html)
        if not cleaned.found_html:
            return None
        html = cleaned.html
    if not request.compare:
        return RenderOutcome(rendered=render_page(renderer, request.screenshot, html))
    result = review(renderer, request.screenshot, html)
    heat = np.asarray(heatmap(request.screenshot.image(), result.comparison))
    return RenderOutcome(rendered=result.rendered, review=result, heatmap=heat)


def _render_loop(inbox: queue.Queue[RenderRequest | None], report: Any) -> None:
    from app.review.render import Renderer

    renderer: Renderer | None = None
    try:
        while (request := inbox.get()) is not None:
            try:
                renderer = renderer or Renderer()
                outcome = _render_one(renderer, request)
            except Exception as e:  # anything at all is reported in the window
                report.emit(request, e, False)
            else:
                report.emit(request, outcome, True)
    finally:
        if renderer is not None:
            renderer.close()


class RenderService(QObject):
    rendered = Signal(object, object)  # RenderRequest, RenderOutcome (None: no HTML yet)
    failed = Signal(object, object)  # RenderRequest, exception
    _report = Signal(object, object, bool)  # from the render thread; delivered on the UI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._inbox: queue.Queue[RenderRequest | None] = queue.Queue()
        self._report.connect(self._on_report)
        self._thread = threading.Thread(target=_render_loop, args=(self._inbox, self._report),
                                        daemon=True, name="renderer")
        self._thread.start()
        self._busy = False
        self._waiting: RenderRequest | None = None
        self.renders = 0

    @property
    def busy(self) -> bool:
        return self._busy

    def request(self, request: RenderRequest) -> None:
        if self._busy:
            self._waiting = request  # replaces an older waiting request: never a queue
            return
        self._busy = True
        self._inbox.put(request)

    @Slot(object, object, bool)
    def _on_report(self, request: RenderRequest, result: object, ok: bool) -> None:
        self._busy = False
        if ok:
            self.renders += 1
            self.rendered.emit(request, result)
        else:
            self.failed.emit(request, result)
        if self._waiting is not None:
            waiting, self._waiting = self._waiting, None
            self.request(waiting)

    def shutdown(self) -> None:
        """Close the browser on its own thread, then end the thread."""
        self._waiting = None
        self._inbox.put(None)
        self._thread.join(10)
