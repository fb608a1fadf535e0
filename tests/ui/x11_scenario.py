"""Run by tests/ui/test_capture_x11.py on a real X server (Xvfb): a window with known content
in front, ShotClone hidden in the background with its global hotkey, and reports on stdout.
Not a test module itself."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QApplication, QLabel

from app.settings import Settings, save_settings
from app.ui.capture import RegionOverlay
from app.ui.main_window import MainWindow
from app.ui.shell import AppShell

TARGET_AT = (100, 100)  # where the known picture sits on the screen, in logical pixels


def known_picture(width: int, height: int) -> QImage:
    """A picture in which every pixel differs from its neighbours: any offset shows."""
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([(x * 7) % 256, (y * 5) % 256, (x * y) % 251], axis=-1).astype(np.uint8)
    rgb = np.ascontiguousarray(rgb)
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def say(*words: object) -> None:
    print(*words, flush=True)


def main() -> int:
    out = Path(sys.argv[1])
    clone = len(sys.argv) > 3  # model and projector given: clone right after the capture
    save_settings(Settings(clone_after_capture=True, model=sys.argv[2], mmproj=sys.argv[3],
                           n_ctx=4096, max_tokens=30) if clone else
                  Settings(clone_after_capture=False))
    app = QApplication(sys.argv[:1])
    ratio = app.devicePixelRatio()
    picture = known_picture(round(500 * ratio), round(400 * ratio))
    picture.setDevicePixelRatio(ratio)
    picture.save(str(out / "known.png"))
    target = QLabel()
    target.setWindowFlag(Qt.WindowType.FramelessWindowHint)
    target.setPixmap(QPixmap.fromImage(picture))
    target.setGeometry(*TARGET_AT, 500, 400)
    target.show()  # the other application, in front

    window = MainWindow()  # ShotClone stays in the background: not shown
    shell = AppShell(window)
    painted = RegionOverlay.paintEvent
    seen = {"overlay": False}

    def paint_and_report(self: RegionOverlay, event: object) -> None:
        painted(self, event)  # type: ignore[arg-type]
        if not seen["overlay"]:
            seen["overlay"] = True
            say("OVERLAY")

    RegionOverlay.paintEvent = paint_and_report  # type: ignore[method-assign]

    def on_finished(capture: object) -> None:
        if capture is None:
            say("CANCELLED", json.dumps({"window_visible": window.isVisible(),
                                         "shot": window.shot is not None}))
            QTimer.singleShot(100, app.quit)

    shell.capture.finished.connect(on_finished)

    def watch() -> None:
        if clone and window.shot is not None and window.review is not None:
            entry = window.history.entries()[0]
            say("CLONED", json.dumps({"status": entry.meta["status"],
                                      "history_size": [entry.meta["width"],
                                                       entry.meta["height"]],
                                      "tokens": entry.meta["stats"]["completion_tokens"]}))
            app.quit()
        elif not clone and window.shot is not None:
            (out / "captured.png").write_bytes(window.shot.png)
            say("CAPTURED", json.dumps({"dpr": window.shot.device_pixel_ratio,
                                        "size": [window.shot.width, window.shot.height],
                                        "window_visible": window.isVisible()}))
            app.quit()

    timer = QTimer(interval=50)
    timer.timeout.connect(watch)
    timer.start()
    error = shell.register_hotkey()
    say("HOTKEY-ERROR " + error if error else "READY")
    if error:
        return 0
    app.exec()
    window.hide_on_close = False
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
