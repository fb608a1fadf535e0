"""`shotclone repair`: a page fixed from its screenshot alone, each step printed with its
score, no model needed."""

from pathlib import Path

import pytest

from app.cli import main
from app.review.ocr import ocr_available
from app.review.render import Renderer
from tests.app.repair_pages import MISREAD, SHIFTED, TRUE_WORDS, clone_page, original_page


@pytest.fixture
def screenshot(renderer: Renderer, tmp_path: Path) -> Path:
    path = tmp_path / "shot.png"
    path.write_bytes(renderer.render(original_page(), 760, 420).png)
    return path


def test_repair_prints_each_step_and_the_score(screenshot: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    page.write_text(clone_page(words=MISREAD, colours=SHIFTED, boxes=True))
    out = tmp_path / "fixed.html"
    assert main(["repair", str(page), "--image", str(screenshot), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out)
    err = captured.err.splitlines()
    reads = ocr_available()
    assert err[0].startswith("text: 'Northwlnd Travel' -> 'Northwind Travel'") if reads else \
        err[0] == "text: nothing to change (no text reader here)"
    assert err[1].startswith("images: <svg> at 24,14 36x36; <div> at 40,150 320x180; score")
    assert err[1].endswith(", kept")
    assert err[2].startswith("colours: #2152d6 -> #1d4ed8 (ΔE 1.3, 1 place);")
    before, after = (float(s) for s in err[3].removeprefix("similarity ").split(" -> "))
    assert after > before + 0.05
    fixed = out.read_text()
    if reads:
        assert all(w in fixed for w in TRUE_WORDS.values())
    assert page.read_text() == clone_page(words=MISREAD, colours=SHIFTED, boxes=True)


def test_steps_can_be_turned_off_and_outputs_are_not_overwritten(
        screenshot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "page.html"
    page.write_text(clone_page(colours=SHIFTED))
    out = page.with_suffix(".repaired.html")
    assert main(["repair", str(page), "--image", str(screenshot), "--no-text",
                 "--no-images"]) == 0
    assert capsys.readouterr().err.splitlines()[0].startswith("colours: ")
    assert out.read_text() == clone_page()
    assert main(["repair", str(page), "--image", str(screenshot)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_a_missing_page_is_one_line(screenshot: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["repair", str(tmp_path / "nope.html"), "--image", str(screenshot)]) == 2
    assert capsys.readouterr().err.strip().endswith("nope.html: no such file.")
