"""Running work off the UI thread and getting the answer back on it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn, self.relay = fn, relay

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as e:
            self.relay.failed.emit(e)
        else:
            self.relay.done.emit(result)


_keep: set[_Relay] = set()  # relays live until their task reports


def run_in_thread(fn: Callable[[], Any], on_done: Callable[[Any], None],
                  on_error: Callable[[Exception], None], owner: QObject | None = None) -> None:
    """Run ``fn`` on Qt's thread pool; ``on_done``/``on_error`` run on the UI thread, and not
    at all once ``owner`` (the widget they update) is gone."""
    relay = _Relay()
    _keep.add(relay)

    def finish(callback: Callable[[Any], None], value: Any) -> None:
        _keep.discard(relay)
        if owner is None or shiboken6.isValid(owner):
            callback(value)

    relay.done.connect(lambda value: finish(on_done, value))
    relay.failed.connect(lambda error: finish(on_error, error))
    QThreadPool.globalInstance().start(_Task(fn, relay))
