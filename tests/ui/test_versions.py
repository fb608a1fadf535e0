"""The app's side of versions: the Recent list shows a run's rounds with their scores."""

from pathlib import Path

from app.intake import load_screenshot
from app.job.events import CloneResult, Version
from app.outputs.history import History
from app.page.html import CleanHtml
from app.ui.input_pane import HistoryPane
from inference.events import GenerationStats


def test_the_recent_list_shows_each_round_with_its_score(qtbot: object, ui_png: Path,
                                                         tmp_path: Path) -> None:
    history = History(tmp_path / "history")
    shot = load_screenshot(ui_png)
    entry = history.start(shot, {})
    entry.finish(CloneResult(
        screenshot=shot, html=CleanHtml(html="<p>2</p>", found_html=True), raw_text="",
        stats=GenerationStats(), finish_reason="stop", versions=(
            Version(kind="answer", label="the model's answer", html="<p>1</p>", score=0.612),
            Version(kind="refine", label="round 1: 2 edits", html="<p>2</p>", score=0.705))))
    plain = history.start(shot, {})
    plain.finish(CloneResult(screenshot=shot, html=CleanHtml(html="<p>x</p>", found_html=True),
                             raw_text="", stats=GenerationStats(), finish_reason="stop"))
    pane = HistoryPane()
    qtbot.addWidget(pane)  # type: ignore[attr-defined]
    pane.show_entries([entry, plain])
    assert pane.item(0).text().splitlines()[-1] == "answer 0.612 · round 1 0.705"
    assert len(pane.item(1).text().splitlines()) == 2  # one version: nothing more to say
