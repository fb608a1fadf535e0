"""`shotclone edit`: an instruction in, the page changed by the model's edits, streamed; a
malformed answer changes nothing."""

from pathlib import Path

import pytest

from app.cli import main
from app.review.render import Renderer
from tests.app.repair_pages import clone_page, original_page
from tests.app.scripted import ScriptedServer
from tests.app.test_cli_clone import model_args

STICKY = ("<<<<<<< SEARCH\nheader { height: 64px;\n=======\n"
          "header { position: sticky; top: 0; height: 64px;\n>>>>>>> REPLACE\n")


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "page.html"
    path.write_text(clone_page())
    return path


def test_edit_through_a_server_streams_and_applies(page: Path, tmp_path: Path,
                                                   renderer: Renderer,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    shot = tmp_path / "shot.png"
    shot.write_bytes(renderer.render(original_page(), 760, 420).png)
    server = ScriptedServer(STICKY)
    try:
        assert main(["edit", str(page), "make the header sticky", "--image", str(shot),
                     "--endpoint", server.url]) == 0
    finally:
        server.close()
    out = page.with_suffix(".edited.html")
    captured = capsys.readouterr()
    assert captured.out.strip() == str(out)
    assert STICKY.strip() in captured.err  # the answer, as it streamed
    assert f"applied 1 edit; wrote {out}; similarity 0.99" in captured.err
    assert out.read_text() == clone_page().replace(
        "header { height: 64px;", "header { position: sticky; top: 0; height: 64px;")
    prompt = server.bodies[0]["messages"][-1]["content"]
    assert any("make the header sticky" in part.get("text", "") for part in prompt)


def test_a_gibberish_answer_from_the_tiny_model_changes_nothing(
        page: Path, tiny_model: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    before = page.read_text()
    code = main(["edit", str(page), "use a dark theme", *model_args(tiny_model)[:4],
                 "--ctx", "8192", "--max-tokens", "30", "--seed", "1"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == ("shotclone: error: the answer holds neither "
                                            "search/replace edits nor a complete page")
    assert page.read_text() == before and not page.with_suffix(".edited.html").exists()


def test_an_empty_instruction_is_refused(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["edit", str(page), "  ", "--endpoint", "http://127.0.0.1:9/v1"]) == 2
    assert "the instruction is empty" in capsys.readouterr().err
