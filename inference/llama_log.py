"""Route llama.cpp's and mtmd's log lines away from the terminal into a ring buffer, so
messages can quote the tail of the log and tests can read what llama.cpp decided (for example
how many layers it offloaded). One callback serves the whole process."""

from __future__ import annotations

import atexit
import ctypes
import threading
from collections import deque
from typing import TextIO

import llama_cpp
import llama_cpp.mtmd_cpp as mtmd_cpp

_lines: deque[str] = deque(maxlen=400)
_partial: list[str] = []
_lock = threading.Lock()
_echo: TextIO | None = None


@llama_cpp.llama_log_callback
def _on_log(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
    piece = text.decode("utf-8", errors="replace")
    with _lock:
        _partial.append(piece)
        if not piece.endswith("\n"):
            return
        line = "".join(_partial).rstrip("\n")
        _partial.clear()
        _lines.append(line)
    if _echo is not None:
        _echo.write(line + "\n")
        _echo.flush()


def install(echo: TextIO | None = None) -> None:
    """Capture every llama.cpp log line from now on; also write each to ``echo`` if given (a
    worker echoes to stderr so its parent still has the log after a native crash). A later
    call without ``echo`` keeps the one set before."""
    if echo is not None:
        set_echo(echo)
    _set_callback(_on_log)
    atexit.unregister(restore_default)  # one registration, however often this runs
    atexit.register(restore_default)


def restore_default() -> None:
    """Give llama.cpp back its own C loggers, so that nothing it logs while the process ends
    (a GPU backend's teardown) calls into a finalized interpreter."""
    _set_callback(llama_cpp.llama_log_callback())  # a NULL pointer: llama.cpp's default


def _set_callback(callback: ctypes._CFuncPtr) -> None:
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))
    mtmd_cpp.mtmd_log_set(callback, ctypes.c_void_p(0))
    mtmd_cpp.mtmd_helper_log_set(callback, ctypes.c_void_p(0))


def set_echo(stream: TextIO | None) -> TextIO | None:
    """Also write each line to ``stream`` (None: to nothing); return the one it replaces."""
    global _echo
    previous, _echo = _echo, stream
    return previous


def tail(n: int = 30) -> list[str]:
    with _lock:
        return list(_lines)[-n:]


def clear() -> None:
    with _lock:
        _lines.clear()
