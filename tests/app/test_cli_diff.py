"""`shotclone diff` and `shotclone clone --report` as a user runs them."""

import json
from pathlib import Path

import pytest
from PIL import Image

from app.cli import main
from app.review.render import Renderer
from app.review.review import REPORT_FILES
from tests.app.pages import card


@pytest.fixture
def page_and_shot(tmp_path: Path, renderer: Renderer) -> tuple[Path, Path]:
    """A page and a screenshot of it, as a user who wrote the page would have."""
    page = tmp_path / "page.html"
    page.write_text(card())
    shot = tmp_path / "shot.png"
    shot.write_bytes(renderer.render(card(), 1280, 800).png)
    return page, shot


def test_diff_of_a_page_with_its_own_screenshot_is_near_perfect(
        page_and_shot: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    page, shot = page_and_shot
    assert main(["diff", str(shot), str(page), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert {"similarity", "ssim", "pixel_mismatch", "blocked_requests"} <= scores.keys()
    assert scores["similarity"] >= 0.99 and scores["pixel_mismatch"] == 0


def test_diff_against_a_different_real_page_scores_low_with_a_report(
        page_and_shot: tuple[Path, Path], screens: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    page, _ = page_and_shot
    report = tmp_path / "report"
    assert main(["diff", str(screens / "sb-admin-dashboard.png"), str(page),
                 "--report", str(report)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("similarity 0.") and f"report in {report}" in out
    scores = json.loads((report / "scores.json").read_text())
    # the card shares two strings with the dashboard ("Dashboard", "$40,000"), no more
    assert scores["similarity"] < 0.6 and scores["visual"] < 0.5
    assert scores.get("block", 0) < 0.3
    assert sorted(p.name for p in report.iterdir()) == sorted(REPORT_FILES)
    assert Image.open(report / "render.png").size == (1280, 800)
    assert Image.open(report / "diff.png").size == (1280, 800)
    assert Image.open(report / "side_by_side.png").width > 3 * 1280 * 0.9


def test_diff_contains_a_hostile_page(tmp_path: Path, ui_png: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "hostile.html"
    page.write_text("<link rel=stylesheet href='https://cdn.example.test/x.css'>"
                    "<script>alert(1); window.open('https://example.test')</script><p>hi</p>")
    assert main(["diff", str(ui_png), str(page), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["blocked_requests"] >= 1, scores
    assert scores["dialogs_dismissed"] == 1 and scores["popups_blocked"] == 1, scores


def test_diff_bad_inputs(tmp_path: Path, ui_png: Path,
                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(ui_png), str(tmp_path / "none.html")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["diff", str(tmp_path / "none.png"), str(ui_png)]) == 2


def test_clone_with_report(tmp_path: Path, screens: Path, tiny_model: tuple[Path, Path],
                           capsys: pytest.CaptureFixture[str]) -> None:
    out, report = tmp_path / "login.html", tmp_path / "report"
    assert main(["clone", str(screens / "sb-admin-login.png"), "-o", str(out), "--report",
                 str(report), "--model", str(tiny_model[0]), "--mmproj", str(tiny_model[1]),
                 "--ctx", "4096", "--max-tokens", "30", "--seed", "1"]) == 0
    err = capsys.readouterr().err
    assert "similarity 0." in err
    scores = json.loads((report / "scores.json").read_text())
    assert scores["generation"]["completion_tokens"] == 30
    assert scores["similarity"] < 0.5  # the tiny model's gibberish is nothing like the login
    assert out.is_file()


def test_diff_with_a_reference_page_scores_from_both_doms(
        tmp_path: Path, renderer: Renderer, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.app.variants import ARTICLE, PRICING, variants

    ref, clone, shot = tmp_path / "ref.html", tmp_path / "clone.html", tmp_path / "shot.png"
    ref.write_text(PRICING)
    clone.write_text(variants(PRICING, ARTICLE)["some words"])
    shot.write_bytes(renderer.render(PRICING, 1280, 800).png)
    assert main(["diff", str(shot), str(clone), "--reference", str(ref), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    reference = scores["reference"]
    assert reference["block"] == 1.0 and reference["colour"] == 1.0
    assert 0.8 < reference["text"] < 0.95 and reference["text_blocks_mistexted"] == 2
    assert main(["diff", str(shot), str(clone), "--reference", str(ref)]) == 0
    assert "against the reference page's DOM 0.9" in capsys.readouterr().out
    assert main(["diff", str(shot), str(clone), "--reference", str(tmp_path / "none.html")]) == 2


def test_diff_of_a_page_that_poisons_its_dom_read(tmp_path: Path, ui_png: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """The words are read after the page's own scripts: one that replaced JSON.stringify
    answers something that is not JSON, and is scored as a page without words, not an
    internal error."""
    for answer in ["'not json'", """'[1, ["word", "x", 0, 9, 9, "red"], ["w", 0, 0, 9, 9]]'"""]:
        page = tmp_path / "poisoned.html"
        page.write_text(f"<p>hello world</p><script>JSON.stringify = () => {answer}</script>")
        assert main(["diff", str(ui_png), str(page), "--reference", str(page), "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["reference"]["text_blocks_matched"] == 0


@pytest.mark.parametrize("content, kind", [
    (None, "a PNG image"),
    (b"\x00\x01\x02binary\x00" * 50, "binary data"),
    (b"just some notes, no markup", "text without a single HTML tag"),
])
def test_diff_refuses_a_file_that_is_not_html(tmp_path: Path, ui_png: Path,
                                              capsys: pytest.CaptureFixture[str],
                                              content: bytes | None, kind: str) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(content if content is not None else ui_png.read_bytes())
    assert main(["diff", str(ui_png), str(page)]) == 2
    err = capsys.readouterr().err
    assert f"{page} is not an HTML page (it is {kind})" in err and "internal" not in err
