"""The desktop app (PySide6 only lives here). ``run_app`` opens the main window."""

from __future__ import annotations

import sys
from pathlib import Path


def run_app(image: Path | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow, app_icon

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ShotClone")
    app.setOrganizationName("ShotClone")
    app.setStyle("Fusion")  # follows the system's light or dark scheme on every platform
    app.setWindowIcon(app_icon())
    window = MainWindow()
    window.show()
    if image is not None:
        window.open_image(image)
    return app.exec()
