"""GUI fixtures: the only place (with tests/ui) that imports PySide6 and pytest-qt."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication

from app.outputs.history import History
from app.settings import Settings, save_settings
from app.ui.main_window import MainWindow


@pytest.fixture(autouse=True)
def qsettings_in_tmp(tmp_path: Path, qapp: QApplication) -> None:
    """Window state goes to a temporary folder, never to the user's own QSettings."""
    QCoreApplication.setOrganizationName("ShotCloneTests")
    QCoreApplication.setApplicationName("ShotCloneTests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "qs"))


@pytest.fixture
def tiny_settings(tiny_model: tuple[Path, Path]) -> Settings:
    settings = Settings(model=str(tiny_model[0]), mmproj=str(tiny_model[1]), n_ctx=4096,
                        max_tokens=200, seed=1)
    save_settings(settings)
    return settings


@pytest.fixture
def make_main_window(qtbot: object, tmp_path: Path) -> Iterator[Callable[[], MainWindow]]:
    """Builds main windows; at teardown closes them (stopping any run) and checks that no
    top-level window was leaked."""
    made: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow(history=History(tmp_path / "history"))
        qtbot.addWidget(window)  # type: ignore[attr-defined]
        window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        if window.running:
            window.stop()
            qtbot.waitUntil(lambda w=window: not w.running, timeout=20_000)  # type: ignore[attr-defined]
        window.close()
    leaked = [w for w in QApplication.topLevelWidgets()
              if w.isVisible() and w not in made and w.windowType() != 0]
    assert not leaked, f"windows left open: {leaked}"
