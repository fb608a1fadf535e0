"""The desktop app (PySide6 only lives here). ``run_app`` opens the main window."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app.errors import BadInput


def run_app(image: Path | None = None, capture: bool = False,
            clone: bool | None = None) -> int:
    """The app; with ``capture``, the region overlay first (`shotclone capture`)."""
    if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
            or os.environ.get("QT_QPA_PLATFORM")):
        raise BadInput("There is no screen to open the window on (neither DISPLAY nor "
                       "WAYLAND_DISPLAY is set). On a machine without one, use "
                       "`shotclone clone`, or try `shotclone demo`.")
    from PySide6.QtWidgets import QApplication

    from app.hotkey import on_wayland
    from app.ui.ctrl_c import QuitOnCtrlC
    from app.ui.main_window import MainWindow, app_icon
    from app.ui.shell import AppShell

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ShotClone")
    app.setOrganizationName("ShotClone")
    app.setStyle("Fusion")  # follows the system's light or dark scheme on every platform
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)  # the tray icon may keep it running
    window = MainWindow()
    shell = AppShell(window)
    window.closed.connect(app.quit)
    if capture and on_wayland():
        from app.ui.portal import portal_screenshot

        shell.quit_when_cancelled = True
        portal_screenshot(shell.on_captured)  # the desktop asks the user for the region
    elif capture:
        shell.quit_when_cancelled = True
        shell.start_capture(clone)
    else:
        window.show()
        if image is not None:
            window.open_image(image)
    shell.register_hotkey()
    ctrl_c = QuitOnCtrlC(shell.quit, parent=app)  # a terminal's Ctrl+C quits, as Quit does
    try:
        return app.exec()
    finally:
        ctrl_c.close()
