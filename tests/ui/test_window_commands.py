"""The window as a desktop app: a menu bar listing every command with its shortcut, zoom with
limits and a shown level, the code pane's wrap and formatted view, Open in browser, the title,
a clickable drop zone and keypad Enter."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QPlainTextEdit

from app.settings import data_dir
from app.ui.actions import MENUS
from app.ui.image_view import MAX_SCALE, MIN_SCALE
from app.ui.main_window import MainWindow
from tests.ui.helpers import open_and_wait

Make = Callable[[], MainWindow]


def test_every_command_is_in_a_menu_with_its_shortcut(make_main_window: Make) -> None:
    w = make_main_window()
    titles = [a.text().replace("&", "") for a in w.menuBar().actions()]
    assert titles == ["File", "Edit", "View", "Model", "Help"]
    in_menus = {a.text() for t in titles for a in w.menu(t).actions() if not a.isSeparator()}
    for name in ("Open…", "Capture", "Export…", "Export with pictures…", "Open in browser",
                 "Quit", "Paste screenshot", "Copy HTML", "Zoom in", "Fit to the pane",
                 "Actual size (100%)", "Wrap long lines", "Formatted HTML", "Generate", "Stop",
                 "Models…", "Settings…", "About ShotClone"):
        assert name in in_menus, name
    assert w.quit_action.shortcut() == QKeySequence("Ctrl+Q")
    assert w.export_all_action.shortcut() == QKeySequence("Ctrl+Shift+S")
    assert QKeySequence("Ctrl+Enter") in w.generate_action.shortcuts()  # keypad Enter
    for commands in MENUS.values():  # each shortcut is spelled out in the tooltip
        for c in commands:
            if c is not None and c.keys:
                action: QAction = getattr(w, c.attribute)
                assert action.shortcut().toString(QKeySequence.SequenceFormat.NativeText) \
                    in action.toolTip()


def test_quit_really_quits_even_with_a_tray(make_main_window: Make, qtbot: object) -> None:
    w = make_main_window()
    w.hide_on_close = True  # as when the tray keeps ShotClone running
    with qtbot.waitSignal(w.closed):  # type: ignore[attr-defined]
        w.quit_action.trigger()
    assert not w.isVisible()


def test_keypad_enter_generates(make_main_window: Make, qtbot: object, ui_png: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    w = make_main_window()
    open_and_wait(qtbot, w, ui_png)
    asked: list[bool] = []
    w.generate_action.triggered.disconnect()
    w.generate_action.triggered.connect(lambda: asked.append(True))
    w.activateWindow()
    qtbot.keyClick(w.compare, Qt.Key.Key_Enter,  # type: ignore[attr-defined]
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.KeypadModifier)
    assert asked


def test_title_and_clickable_drop_zone(make_main_window: Make, qtbot: object, ui_png: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    w = make_main_window()
    assert w.windowTitle() == "ShotClone"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(ui_png), ""))
    qtbot.mouseClick(w.drop_zone, Qt.MouseButton.LeftButton,  # type: ignore[attr-defined]
                     pos=QPoint(30, 30))
    qtbot.waitUntil(lambda: w.shot is not None)  # type: ignore[attr-defined]
    assert w.windowTitle() == "ui.png — ShotClone"


def test_zoom_has_limits_is_shown_and_starts_fitted_for_the_next_screenshot(
        make_main_window: Make, qtbot: object, ui_png: Path, tmp_path: Path) -> None:
    w = make_main_window()
    open_and_wait(qtbot, w, ui_png)
    c = w.compare
    c.tabs.setCurrentIndex(1)  # side by side: the original is shown
    assert c.zoom_label.text().startswith("Fit")
    w.zoom_actual_action.trigger()
    assert c.original.scale_factor() == 1.0 and c.zoom_label.text() == "100%"
    for _ in range(40):
        w.zoom_in_action.trigger()
    assert c.original.scale_factor() == MAX_SCALE
    assert c.zoom_label.text() == f"{MAX_SCALE:.0%}"
    for _ in range(80):
        w.zoom_out_action.trigger()
    assert c.original.scale_factor() == MIN_SCALE
    w.zoom_actual_action.trigger()
    c.tabs.setCurrentIndex(2)  # another tab shows the same zoom
    assert c.overlay.scale_factor() == 1.0 and c.zoom_label.text() == "100%"
    w.zoom_fit_action.trigger()
    assert c.zoom_label.text().startswith("Fit")
    w.zoom_actual_action.trigger()
    other = tmp_path / "other.png"
    other.write_bytes(ui_png.read_bytes())
    open_and_wait(qtbot, w, other)
    qtbot.waitUntil(lambda: w.windowTitle().startswith("other.png"))  # type: ignore[attr-defined]
    assert c.zoom_label.text().startswith("Fit")  # the last zoom does not leak into it


def test_code_pane_wraps_and_formats_without_changing_the_page(make_main_window: Make,
                                                                qtbot: object) -> None:
    w = make_main_window()
    page = "<html><body><div><p>Hello <b>you</b></p><ul><li>a</li></ul></div></body></html>"
    w.format_action.setChecked(False)
    w.code.show_text(page)
    assert w.code.toPlainText() == page
    w.format_action.trigger()
    assert w.format_action.isChecked() and w.code.toPlainText().count("\n") > 4
    assert w.code.page_text() == page  # formatting is for reading only
    w.wrap_action.trigger()
    assert w.code.lineWrapMode() == QPlainTextEdit.LineWrapMode.WidgetWidth
    w.wrap_action.trigger()
    assert w.code.lineWrapMode() == QPlainTextEdit.LineWrapMode.NoWrap
    with qtbot.waitSignal(w.code.edited, timeout=5000) as edited:  # type: ignore[attr-defined]
        w.code.insertPlainText("<!-- mine -->")  # the user edits the formatted text
    assert edited.args[0] == w.code.toPlainText() == w.code.page_text()
    again = make_main_window()  # the view's choices are remembered
    assert again.format_action.isChecked() and not again.wrap_action.isChecked()


def test_open_in_browser_leaves_no_temporary_folder(make_main_window: Make,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    w = make_main_window()
    w.code.show_text("<p>first</p>")
    page = data_dir() / "browser" / "page.html"
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)  # no browser here
    w.browser_action.trigger()
    assert w.banner.isVisible() and "No web browser opened" in w.banner.message.text()
    assert str(page) in w.banner.message.text() and page.read_text() == "<p>first</p>"
    opened: list[QUrl] = []  # a desktop's browser cannot run here: what it is asked, kept
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    before = set(Path(tempfile.gettempdir()).glob("shotclone-*"))
    w.code.show_text("<p>second</p>")
    w.browser_action.trigger()
    assert [u.toLocalFile() for u in opened] == [str(page)]
    assert page.read_text() == "<p>second</p>" and len(list(page.parent.iterdir())) == 1
    assert set(Path(tempfile.gettempdir()).glob("shotclone-*")) == before
    assert "Opened" in w.status.phase.text()
