"""The app's side of versions: the Recent list shows a run's rounds with their scores; the
Refine button, the edit box and Ctrl+Z make and walk them."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from app.intake import load_screenshot
from app.job.events import CloneResult, Version
from app.outputs.history import History
from app.page.html import CleanHtml
from app.settings import Settings, save_settings
from app.ui.input_pane import HistoryPane
from app.ui.main_window import MainWindow
from inference.events import GenerationStats
from tests.app.repair_pages import MISREAD, TRUE_WORDS, clone_page, original_page
from tests.app.scripted import ScriptedServer
from tests.app.test_refine import edit
from tests.ui.helpers import open_and_wait


def test_the_recent_list_shows_each_round_with_its_score(qtbot: object, ui_png: Path,
                                                         tmp_path: Path) -> None:
    history = History(tmp_path / "history")
    shot = load_screenshot(ui_png)
    entry = history.start(shot, {})
    entry.finish(CloneResult(
        screenshot=shot, page=CleanHtml(html="<p>2</p>", found_html=True), raw_text="",
        stats=GenerationStats(), finish_reason="stop", versions=(
            Version(kind="answer", label="the model's answer", html="<p>1</p>", score=0.612),
            Version(kind="refine", label="round 1: 2 edits", html="<p>2</p>", score=0.705))))
    plain = history.start(shot, {})
    plain.finish(CloneResult(screenshot=shot, page=CleanHtml(html="<p>x</p>", found_html=True),
                             raw_text="", stats=GenerationStats(), finish_reason="stop"))
    pane = HistoryPane()
    qtbot.addWidget(pane)  # type: ignore[attr-defined]
    pane.show_entries([[entry], [plain]])  # one line per screenshot: here, per run
    assert pane.item(0).text().splitlines()[-1] == "answer 0.612 · round 1 0.705"
    assert len(pane.item(1).text().splitlines()) == 2  # one version: nothing more to say


def test_refine_edit_and_ctrl_z_back_a_version(make_main_window: Callable[[], MainWindow],
                                               qtbot: Any, tmp_path: Path) -> None:
    """The user's path: clone, press Refine (a round that scores higher is kept), type an
    instruction in the edit box (applied), then Ctrl+Z twice: back to the first answer."""
    shot = tmp_path / "shot.png"
    answer = clone_page(words=MISREAD)
    fix = edit(f"<h2>{MISREAD['heading']}</h2>", f"<h2>{TRUE_WORDS['heading']}</h2>")
    sticky = edit("header { height: 64px;", "header { position: sticky; top: 0; height: 64px;")
    # Few, large pieces: hundreds of events a second crash PySide6 in QtJobRunner's queued
    # signal (a bool refcount error), which this test is not about.
    server = ScriptedServer(f"```html\n{answer}```", fix, sticky, "I made it sticky for you.",
                            chunk=4096)
    save_settings(Settings(endpoint=server.url, repair_text=False, repair_images=False,
                           repair_colours=False))
    try:
        w = make_main_window()
        # the screenshot: the page rendered by the window's own browser thread (Playwright's
        # greenlets must stay off the Qt thread)
        shot.write_bytes(w.renders.call(
            lambda r: r.render(original_page(), 760, 420).png).result(timeout=60))
        open_and_wait(qtbot, w, shot)
        w.generate()
        qtbot.waitUntil(lambda: w.review is not None and not w.running, timeout=60_000)
        first = w.code.toPlainText()  # the answer as the HTML stage made it
        assert MISREAD["heading"] in first
        assert not w.back_action.isEnabled()  # one version: nowhere to go back to

        w.refine_action.trigger()
        qtbot.waitUntil(lambda: not w.running and TRUE_WORDS["heading"] in w.code.toPlainText(),
                        timeout=60_000)
        qtbot.waitUntil(lambda: w.page_bar.versions.count() == 2, timeout=30_000)
        assert w.banner.level == "info" and "kept" in w.banner.message.text()

        w.page_bar.edit_box.setText("make the header sticky")
        qtbot.keyClick(w.page_bar.edit_box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not w.running and "sticky" in w.code.toPlainText(),
                        timeout=60_000)
        qtbot.waitUntil(lambda: w.page_bar.versions.count() == 3, timeout=30_000)
        assert w.page_bar.edit_box.text() == ""
        assert "make the header sticky" in w.page_bar.versions.itemText(2)

        w.page_bar.edit_box.setText("make it sticky again")  # an answer with no edits
        qtbot.keyClick(w.page_bar.edit_box, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: not w.running and w.banner.level == "error", timeout=60_000)
        assert "neither search/replace edits" in w.banner.message.text()
        assert "sticky" in w.code.toPlainText() and w.page_bar.versions.count() == 3

        w.code.setFocus()
        qtbot.keyClick(w.code, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert "sticky" not in w.code.toPlainText()
        assert TRUE_WORDS["heading"] in w.code.toPlainText()
        qtbot.keyClick(w.code, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert w.code.toPlainText() == first
        assert w.entry is not None and w.entry.current_version == 1
        assert len(w.entry.versions()) == 3  # later versions stay, to come back to
        w.page_bar.version_chosen.emit(3)
        assert "sticky" in w.code.toPlainText()
    finally:
        server.close()
