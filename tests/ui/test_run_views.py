"""What the window shows around a run: a status bar that belongs to the screenshot shown, and
what Stop and a failed run leave behind."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

from app.settings import Settings
from app.ui.main_window import MainWindow
from tests.ui.helpers import open_and_wait
from tests.ui.test_main_window import RUN_S, cloned_window, writing_window

Make = Callable[[], MainWindow]


def test_the_status_bar_is_quiet_when_idle_and_cleared_for_the_next_screenshot(
        make_main_window: Make, qtbot: object, ui_png: Path, tmp_path: Path,
        tiny_settings: Settings) -> None:
    w = make_main_window()
    assert not w.status.progress.isVisible()  # no full bar before anything happens
    open_and_wait(qtbot, w, ui_png)
    assert not w.status.progress.isVisible()
    w.generate()
    qtbot.waitUntil(lambda: w.review is not None and not w.running,  # type: ignore[attr-defined]
                    timeout=RUN_S)
    assert w.status.tokens.text() == "200 tokens" and "tok/s" in w.status.speed.text()
    assert not w.status.progress.isVisible()
    other = tmp_path / "other.png"
    other.write_bytes(ui_png.read_bytes())
    open_and_wait(qtbot, w, other)
    qtbot.waitUntil(lambda: w.windowTitle().startswith("other.png"))  # type: ignore[attr-defined]
    assert not w.status.tokens.text() and not w.status.speed.text()
    assert not w.status.elapsed.text()


def test_writing_shows_tokens_without_the_limit_until_it_is_near(
        make_main_window: Make, qtbot: object, ui_png: Path,
        tiny_model: tuple[Path, Path]) -> None:
    w = writing_window(make_main_window, qtbot, ui_png, tiny_model, 20)
    qtbot.waitUntil(lambda: "tok/s" in w.status.speed.text(),  # type: ignore[attr-defined]
                    timeout=RUN_S)
    phase = w.status.phase.text()
    assert phase.startswith("Writing HTML:") and "30000" not in phase
    assert w.status.progress.isVisible()
    w.stop()
    qtbot.waitUntil(lambda: not w.running, timeout=RUN_S)  # type: ignore[attr-defined]


def test_after_stop_the_partial_page_can_be_compared(
        make_main_window: Make, qtbot: object, ui_png: Path,
        tiny_model: tuple[Path, Path]) -> None:
    w = writing_window(make_main_window, qtbot, ui_png, tiny_model, 50)
    w.stop()
    qtbot.waitUntil(lambda: not w.running, timeout=RUN_S)  # type: ignore[attr-defined]
    assert w.banner.isVisible() and w.banner.action_button.text() == "Compare now"
    assert w.review is None
    w.banner.action_button.click()
    qtbot.waitUntil(lambda: w.review is not None, timeout=RUN_S)  # type: ignore[attr-defined]
    assert w.compare.clone.has_picture() and w.compare.heatmap.has_picture()
    assert w.compare.badge.text().startswith("similarity")
    entry = w.history.entries()[0]
    assert (entry.folder / "page.html").read_text() == w.code.page_text()


def test_a_failed_run_does_not_show_the_previous_clone(
        make_main_window: Make, qtbot: object, ui_png: Path,
        tiny_settings: Settings) -> None:
    w = cloned_window(make_main_window, qtbot, ui_png)
    assert w.compare.clone.has_picture()
    w.settings = Settings(**{**w.settings.__dict__, "max_tokens": 30000, "n_ctx": 32768})
    w.generate()
    qtbot.waitUntil(lambda: w.run.tokens > 5, timeout=RUN_S)  # type: ignore[attr-defined]
    os.kill(w.backend.worker.pid, signal.SIGKILL)  # the run fails
    qtbot.waitUntil(lambda: not w.running, timeout=RUN_S)  # type: ignore[attr-defined]
    assert w.banner.level == "error"
    assert not w.compare.heatmap.has_picture()
    assert w.compare.badge.text() == "no score yet"
