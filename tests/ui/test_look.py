"""Icons from a kept icon set on the toolbar, in the palette's colours, and the light or dark
scheme the system asks for (SHOTCLONE_COLOR_SCHEME stands in for a desktop's setting)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QToolBar

from app.ui.main_window import MainWindow
from app.ui.theme import apply_scheme, is_dark

Make = Callable[[], MainWindow]


@pytest.fixture
def scheme(qapp: QApplication, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    def use(name: str) -> None:
        monkeypatch.setenv("SHOTCLONE_COLOR_SCHEME", name)
        apply_scheme(qapp)
        qapp.processEvents()  # the palette reaches the widgets as an event

    yield use
    monkeypatch.setenv("SHOTCLONE_COLOR_SCHEME", "light")
    apply_scheme(qapp)


def brightest_pixel(window: MainWindow, name: str) -> int:
    image = getattr(window, name).icon().pixmap(20, 20).toImage()
    return max(image.pixelColor(x, y).lightness() for x in range(20) for y in range(20)
               if image.pixelColor(x, y).alpha() > 128)


def test_toolbar_icons_follow_light_and_dark(make_main_window: Make,
                                             scheme: Callable[[str], None]) -> None:
    scheme("light")
    w = make_main_window()
    toolbar = w.findChild(QToolBar, "MainToolbar")
    shown = [a for a in toolbar.actions() if not a.isSeparator() and a.text()]
    assert shown and all(not a.icon().isNull() for a in shown)
    assert not is_dark(w) and w.property("scheme") == "light"
    assert brightest_pixel(w, "open_action") < 128  # dark icons on a light window
    scheme("dark")
    assert is_dark(w) and w.property("scheme") == "dark"  # followed without a restart
    assert w.palette().color(QPalette.ColorRole.Window).lightness() < 128
    assert brightest_pixel(w, "open_action") > 128  # light icons on a dark window
