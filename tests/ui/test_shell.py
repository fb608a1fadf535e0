"""The app around the window: the toolbar's Capture, the tray and the hotkey all lead to the
same capture, which clones at once when the settings say so."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from app.settings import Settings
from app.ui.capture import Capture
from app.ui.main_window import MainWindow
from app.ui.shell import AppShell
from tests.conftest import make_ui_png


@pytest.mark.parametrize("at_once", [True, False])
def test_toolbar_capture_follows_clone_at_once(make_main_window: Callable[[], MainWindow],
                                               qtbot: object, tiny_settings: Settings,
                                               monkeypatch: pytest.MonkeyPatch,
                                               at_once: bool) -> None:
    w = make_main_window()
    w.settings = replace(tiny_settings, clone_after_capture=at_once)
    shell = AppShell(w)
    started: list[bool] = []
    monkeypatch.setattr(shell.capture, "start", lambda: started.append(True))
    w.capture_action.trigger()
    assert started
    shell.on_captured(Capture(png=make_ui_png(), device_pixel_ratio=1.0,
                              rect=(0, 0, 640, 400), screen="test"))
    qtbot.waitUntil(lambda: w.shot is not None)  # type: ignore[attr-defined]
    if at_once:
        qtbot.waitUntil(lambda: w.review is not None and not w.running,  # type: ignore[attr-defined]
                        timeout=60_000)
        assert w.history.entries()[0].meta["status"] == "done"
    else:
        assert not w.running and not w.history.entries()
