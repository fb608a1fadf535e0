"""QtJobRunner: runs a job's events (``app.job.run.run_job``) on a thread of its own and
re-emits each on the UI thread. Widgets connect to its signals, never to the pipeline."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.job.events import JobEvent, JobFailed, JobFinished
from inference.cancel import CancelToken

Events = Callable[[CancelToken], Iterator[JobEvent]]  # a job, started with its cancel token


class _Pump(QObject):
    event = Signal(object)
    ended = Signal()

    def __init__(self, events: Events, cancel: CancelToken) -> None:
        super().__init__()
        self.events, self.cancel = events, cancel

    @Slot()
    def run(self) -> None:
        try:
            for ev in self.events(self.cancel):
                self.event.emit(ev)
        finally:
            self.ended.emit()


class QtJobRunner(QObject):
    event = Signal(object)  # every JobEvent, on the UI thread
    finished = Signal(object)  # CloneResult
    failed = Signal(object)  # JobFailed (error and the partial answer)
    idle = Signal()  # the job's thread has ended

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._pump: _Pump | None = None
        self._cancel = CancelToken()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, events: Events) -> None:
        if self.running:
            raise RuntimeError("a job is already running")
        self._cancel = CancelToken()
        self._thread = QThread()
        self._pump = _Pump(events, self._cancel)
        self._pump.moveToThread(self._thread)
        self._thread.started.connect(self._pump.run)
        self._pump.event.connect(self._on_event)  # queued: delivered on this (UI) thread
        self._pump.ended.connect(self._thread.quit)
        self._thread.finished.connect(self._on_thread_done)
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.cancel()

    def wait(self, ms: int) -> bool:
        """Block until the job's thread ends (used only when the window closes)."""
        return self._thread is None or self._thread.wait(ms)

    @Slot(object)
    def _on_event(self, ev: JobEvent) -> None:
        self.event.emit(ev)
        if isinstance(ev, JobFinished):
            self.finished.emit(ev.result)
        elif isinstance(ev, JobFailed):
            self.failed.emit(ev)

    @Slot()
    def _on_thread_done(self) -> None:
        if self._thread is not None:
            self._thread.deleteLater()
        if self._pump is not None:
            self._pump.deleteLater()
        self._thread = self._pump = None
        self.idle.emit()
