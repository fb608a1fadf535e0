"""Ctrl+C in the terminal that started the app quits it, as the tray's Quit does.

While Qt's event loop waits, Python runs no signal handler (it runs them between bytecodes), so
SIGINT alone would wait for the next event, forever in an idle app. ``signal.set_wakeup_fd``
makes the signal also write a byte to a socket that Qt watches, which wakes the loop at once."""

from __future__ import annotations

import signal
import socket
from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier


class QuitOnCtrlC(QObject):
    """Calls ``on_interrupt`` on the GUI thread for each SIGINT; ``close()`` restores what was
    there before."""

    def __init__(self, on_interrupt: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_interrupt = on_interrupt
        self._read, self._write = socket.socketpair()
        for end in (self._read, self._write):
            end.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._write.fileno())
        # The Python-level handler only has to not raise KeyboardInterrupt: the work is done
        # when the byte arrives, on the GUI thread, between two events.
        self._previous_handler = signal.signal(signal.SIGINT, lambda *_: None)
        self._notifier = QSocketNotifier(self._read.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._woken)

    def _woken(self) -> None:
        try:
            caught = self._read.recv(64)  # one byte per signal: its number
        except BlockingIOError:
            return
        if signal.SIGINT in caught:
            self._on_interrupt()

    def close(self) -> None:
        self._notifier.setEnabled(False)
        signal.signal(signal.SIGINT, self._previous_handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._read.close()
        self._write.close()
