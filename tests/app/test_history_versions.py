"""Every state of a run's page is a version that can be gone back to and exported."""

from pathlib import Path

import pytest

from app.intake import Screenshot, load_screenshot
from app.job.events import CloneResult, Version
from app.outputs.history import History
from app.page.html import CleanHtml
from inference.events import GenerationStats


def result(shot: Screenshot, html: str, versions: tuple[Version, ...]) -> CloneResult:
    return CloneResult(screenshot=shot, page=CleanHtml(html=html, found_html=True),
                       raw_text=html, stats=GenerationStats(), finish_reason="stop",
                       versions=versions)


def test_versions_of_a_run_can_be_gone_back_to_and_exported(ui_png: Path,
                                                           tmp_path: Path) -> None:
    history = History(tmp_path / "history")
    shot = load_screenshot(ui_png)
    entry = history.start(shot, {})
    entry.finish(result(shot, "<p>round 1</p>", (
        Version(kind="answer", label="the model's answer", html="<p>answer</p>", score=0.61),
        Version(kind="repair", label="images", html="<p>repaired</p>", score=0.7),
        Version(kind="refine", label="round 1: 2 edits", html="<p>round 1</p>", score=0.74))))
    assert entry.html() == "<p>round 1</p>" and entry.current_version == 3
    assert entry.versions_line() == "answer 0.610 · repair 0.700 · round 1 0.740"
    entry.save_page("<p>by hand</p>")
    entry.save_page("<p>by hand, more</p>")  # typing on: the same version
    assert [v["kind"] for v in entry.versions()] == ["answer", "repair", "refine", "hand"]
    assert entry.go_to(3) == "<p>round 1</p>" and entry.html() == "<p>round 1</p>"
    assert entry.version_html(4) == "<p>by hand, more</p>"  # later versions stay
    entry.save_page("<p>after going back</p>")  # a new version, not an overwrite of 4
    assert len(entry.versions()) == 5 and entry.version_html(4) == "<p>by hand, more</p>"
    out = entry.export_version(1, tmp_path / "first.html")
    assert out.read_text() == "<p>answer</p>"
    with pytest.raises(KeyError):
        entry.version_html(9)
    # a reopened run has them all
    again = History(tmp_path / "history").entries()[0]
    assert again.current_version == 5 and len(again.versions()) == 5


def test_a_plain_result_is_one_answer_version(ui_png: Path, tmp_path: Path) -> None:
    shot = load_screenshot(ui_png)
    entry = History(tmp_path / "h").start(shot, {})
    entry.finish(result(shot, "<p>page</p>", ()))
    (v,) = entry.versions()
    assert v["kind"] == "answer" and entry.version_html(1) == "<p>page</p>"
