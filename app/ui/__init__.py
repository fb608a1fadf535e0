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

    from app.ui.ctrl_c import QuitOnCtrlC
    from app.ui.single_instance import InstanceServer, hand_off

    app = QApplication.instance() or QApplication(sys.argv[:1])
    request: dict[str, object] = {"show": True}
    if image is not None:
        request = {"open": str(image.expanduser().resolve())}
    elif capture:
        request = {"capture": True, "clone": clone}
    if hand_off(request):
        print("ShotClone is already running: it has the request.", file=sys.stderr)
        return 0
    server = InstanceServer()
    server.listen()
    _log_to_file()

    from app.ui.main_window import MainWindow, app_icon
    from app.ui.shell import AppShell
    from app.ui.theme import follow_system

    app.setApplicationName("ShotClone")
    app.setOrganizationName("ShotClone")
    follow_system(app)  # Fusion, light or dark as the system says, and when it switches
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)  # the tray icon may keep it running
    window = MainWindow()
    shell = AppShell(window)
    server.request.connect(shell.on_request)
    window.closed.connect(app.quit)
    if capture:
        shell.quit_when_cancelled = True
        shell.capture_now(clone)
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
        server.close()


def _log_to_file() -> None:
    """Errors the window shows go to a log too, with their tracebacks (Details shows them)."""
    import logging
    from logging.handlers import RotatingFileHandler

    from app.settings import data_dir

    folder = data_dir() / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    handler = RotatingFileHandler(folder / "app.log", maxBytes=1 << 20, backupCount=3,
                                  encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("shotclone")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
