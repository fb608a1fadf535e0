"""`shotclone clone` with repair and refine, through the real CLI and a scripted server: the
first answer repaired from the screenshot, refine rounds kept only while they score higher."""

from pathlib import Path

import pytest

from app.cli import main
from app.review.render import Renderer
from tests.app.repair_pages import MISREAD, TRUE_WORDS, clone_page, original_page
from tests.app.scripted import ScriptedServer


def edit(search: str, replace: str) -> str:
    return f"<<<<<<< SEARCH\n{search}\n=======\n{replace}\n>>>>>>> REPLACE\n"


@pytest.fixture
def shot(renderer: Renderer, tmp_path: Path) -> Path:
    path = tmp_path / "shot.png"
    path.write_bytes(renderer.render(original_page(), 760, 420).png)
    return path


def answer(page: str) -> str:
    return f"Here is the page:\n```html\n{page}```\n"


def test_clone_repairs_the_first_answer(shot: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    server = ScriptedServer(answer(clone_page(boxes=True)))
    out = tmp_path / "page.html"
    try:
        assert main(["clone", str(shot), "-o", str(out), "--endpoint", server.url,
                     "--no-text"]) == 0
    finally:
        server.close()
    err = capsys.readouterr().err
    assert "repair images: <svg> at 24,14 36x36; <div> at 40,150 320x180; score " in err
    assert "versions: answer 0.9" in err and err.count(" · repair 0.99") == 1
    assert "data:image/png;base64," in out.read_text()
    assert "\nsimilarity 0.99" in err


def test_refine_keeps_rounds_that_score_higher_and_stops_at_one_that_does_not(
        shot: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = clone_page(words=MISREAD)
    fix = edit(f"<h2>{MISREAD['heading']}</h2>", f"<h2>{TRUE_WORDS['heading']}</h2>")
    worse = edit("background: #f1f5f9;", "background: #dc2626;")
    server = ScriptedServer(answer(first), fix, worse, "never asked")
    out = tmp_path / "page.html"
    try:
        assert main(["clone", str(shot), "-o", str(out), "--endpoint", server.url,
                     "--refine", "3", "--no-repair"]) == 0
    finally:
        server.close()
    err = capsys.readouterr().err
    rounds = [line for line in err.splitlines() if line.startswith("refine round")]
    assert len(rounds) == 2 and rounds[0].endswith(", kept")
    assert rounds[1].endswith("not kept, no better")
    assert len(server.bodies) == 3 and server.answers == ["never asked"]
    page = out.read_text()
    assert TRUE_WORDS["heading"] in page and "#dc2626" not in page
    assert "versions: answer " in err and " · round 1 " in err
