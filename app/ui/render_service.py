"""The warm browser on a thread of its own, since Playwright is bound to the thread that started
it (a plain Python thread: Playwright's greenlets crash in a QThread). It serves two callers:
the job's pipeline, through ``render`` (it blocks its own thread, never the UI's), and the
window's previews and re-reviews (edits, reopened runs), which never queue up: while one runs,
only the newest request waits. The review itself is ``app.review.review``'s, as everywhere."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.intake import Screenshot
from app.review.render import Rendered, Renderer
from app.review.review import Review, render_page, review

_Call = Callable[[Renderer], Any]


@dataclass(frozen=True, kw_only=True)
class RenderRequest:
    html: str
    screenshot: Screenshot
    compare: bool  # False: a live preview, the picture alone
    tag: str = ""  # what asked for it ("preview", "edit", "reopen"), handed back with the result
    repair: bool = False  # a model's partial answer: extract and close it first
    cache_dir: Path | None = None  # where the screenshot's OCR is kept: its history folder


def _serve(request: RenderRequest, renderer: Renderer) -> Review | Rendered | None:
    html = request.html
    if request.repair:
        from app.page.html import clean_model_output

        cleaned = clean_model_output(html)
        if not cleaned.found_html:
            return None
        html = cleaned.html
    if not request.compare:
        return render_page(renderer, request.screenshot, html)
    judged = review(renderer, request.screenshot, html, cache_dir=request.cache_dir)
    _ = judged.heatmap  # computed here, off the UI thread, once
    return judged


def _render_loop(inbox: queue.Queue[tuple[_Call, Future[Any]] | None]) -> None:
    renderer: Renderer | None = None
    try:
        while (item := inbox.get()) is not None:
            call, future = item
            try:
                renderer = renderer or Renderer()
                future.set_result(call(renderer))
            except BaseException as e:  # anything at all goes back to the caller
                future.set_exception(e)
    finally:
        if renderer is not None:
            renderer.close()


class RenderService(QObject):
    rendered = Signal(object, object)  # RenderRequest, Review | Rendered (None: no HTML yet)
    failed = Signal(object, object)  # RenderRequest, exception
    _served = Signal(object, object)  # RenderRequest, Future: delivered on the UI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._inbox: queue.Queue[tuple[_Call, Future[Any]] | None] = queue.Queue()
        self._served.connect(self._on_served)
        self._thread = threading.Thread(target=_render_loop, args=(self._inbox,),
                                        daemon=True, name="renderer")
        self._thread.start()
        self._busy = False
        self._waiting: RenderRequest | None = None
        self.renders = 0

    @property
    def busy(self) -> bool:
        return self._busy

    def call(self, fn: _Call) -> Future[Any]:
        """Run ``fn(renderer)`` on the browser's thread."""
        future: Future[Any] = Future()
        self._inbox.put((fn, future))
        return future

    def render(self, html: str, width: int, height: int, device_pixel_ratio: float = 1.0,
               *, read: str | None = None) -> Rendered:
        """The pipeline's renderer: blocks the calling (job) thread until the page is in."""
        return self.call(lambda r: r.render(html, width, height, device_pixel_ratio,
                                            read=read)).result()

    def request(self, request: RenderRequest) -> None:
        if self._busy:
            self._waiting = request  # replaces an older waiting request: never a queue
            return
        self._busy = True
        future = self.call(lambda r: _serve(request, r))
        future.add_done_callback(lambda f: self._served.emit(request, f))

    @Slot(object, object)
    def _on_served(self, request: RenderRequest, future: Future[Any]) -> None:
        self._busy = False
        error = future.exception()
        if error is None:
            self.renders += 1
            self.rendered.emit(request, future.result())
        else:
            self.failed.emit(request, error)
        if self._waiting is not None:
            waiting, self._waiting = self._waiting, None
            self.request(waiting)

    def shutdown(self) -> None:
        """Close the browser on its own thread, then end the thread."""
        self._waiting = None
        self._inbox.put(None)
        self._thread.join(10)
