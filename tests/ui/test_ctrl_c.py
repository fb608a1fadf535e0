"""Ctrl+C (SIGINT) reaches an app whose event loop is idle, and quits it."""

from __future__ import annotations

import os
import signal
import threading

from PySide6.QtCore import QEventLoop, QTimer
from pytestqt.qtbot import QtBot

from app.ui.ctrl_c import QuitOnCtrlC


def test_sigint_wakes_an_idle_event_loop(qtbot: QtBot) -> None:
    """Nothing Python runs in this loop: only the signal can end it before the guard timer
    (connected C++ to C++) does. Without the wake-up, Python would hold the signal until the
    guard fires and then raise KeyboardInterrupt."""
    loop = QEventLoop()
    heard: list[str] = []
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    ctrl_c = QuitOnCtrlC(lambda: (heard.append("quit"), loop.quit()))
    try:
        guard.start(30_000)
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
        loop.exec()
        assert heard == ["quit"] and guard.isActive()  # ended by the signal, not the guard
    finally:
        ctrl_c.close()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
