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

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking at once when cancelled; True if cancelled."""
        return self._event.wait(seconds)
