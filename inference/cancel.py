"""A cancel flag that one thread sets and another polls between tokens."""

from __future__ import annotations

import threading


class CancelToken:
    """Set once by whoever wants the job to stop; read by the job at safe points."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()
