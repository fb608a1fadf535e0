"""Refine rounds and edits by instruction through the real pipeline code: real Chromium,
real scoring, and a scripted model (an answer that applies) or the tiny real one (gibberish)."""

import io
from pathlib import Path

import pytest
from PIL import Image

from app.intake import Screenshot
from app.job.events import JobFailed, JobFinished, StepFinished
from app.job.pipeline import unwrap
from app.job.refine import Asking, EditJob, RefineJob, run_edit, run_refine
from app.page.edits import EditsRejected
from app.review.render import Renderer
from app.review.review import review
from inference.backend import make_backend
from inference.config import EngineConfig
from tests.app.repair_pages import MISREAD, TRUE_WORDS, clone_page, original_page
from tests.app.scripted import ScriptedBackend

W, H = 760, 420


@pytest.fixture(scope="module")
def shot(renderer: Renderer) -> Screenshot:
    return Screenshot(png=renderer.render(original_page(), W, H).png, width=W, height=H)


def edit(search: str, replace: str) -> str:
    return f"<<<<<<< SEARCH\n{search}\n=======\n{replace}\n>>>>>>> REPLACE\n"


FIX_HEADING = edit(f"<h2>{MISREAD['heading']}</h2>", f"<h2>{TRUE_WORDS['heading']}</h2>") + \
    edit(f"<h1>{MISREAD['title']}</h1>", f"<h1>{TRUE_WORDS['title']}</h1>")
RED_CARD = edit("background: #f1f5f9;", "background: #dc2626;")


def test_a_round_that_improves_is_kept_and_one_that_does_not_ends_refining(
        renderer: Renderer, shot: Screenshot) -> None:
    start = clone_page(words=MISREAD, boxes=True)
    backend = ScriptedBackend(FIX_HEADING, RED_CARD, "never asked")
    events = list(run_refine(RefineJob(screenshot=shot, html=start, rounds=3), backend, renderer,
                             read_text=lambda _: list(TRUE_WORDS.values())))
    result = unwrap(events[-1])
    steps = [e for e in events if isinstance(e, StepFinished)]
    assert [s.kept for s in steps] == [True, False]
    assert steps[0].line.startswith("refine round 1: 2 edits; score ")
    assert steps[1].line.endswith("not kept, no better")
    assert result.page.html == start.replace(MISREAD["heading"], TRUE_WORDS["heading"]) \
        .replace(MISREAD["title"], TRUE_WORDS["title"])
    assert [v.label for v in result.versions] == ["round 1: 2 edits"]
    assert result.review is not None
    assert result.review.similarity == steps[0].score
    assert len(backend.requests) == 2 and backend.answers == ["never asked"]


def test_the_model_sees_both_pictures_the_worst_regions_and_the_text_that_differs(
        renderer: Renderer, shot: Screenshot) -> None:
    start = clone_page(words=MISREAD, boxes=True)
    backend = ScriptedBackend("no edits here")
    list(run_refine(RefineJob(screenshot=shot, html=start), backend, renderer,
                    read_text=lambda _: list(TRUE_WORDS.values())))
    (request,) = backend.requests
    picture = Image.open(io.BytesIO(request.image_png))
    assert picture.height == H and picture.width > 2 * W
    assert "<<<<<<< SEARCH" in request.prompt and clone_page(words=MISREAD, boxes=True).split(
        "<body>")[1].split("</body>")[0] in request.prompt
    assert "- 34,136 340x204: 82% of its pixels differ" in request.prompt  # the grey photo box
    assert f"the screenshot says {TRUE_WORDS['heading']!r}; the page has " \
           f"{MISREAD['heading']!r}" in request.prompt


def test_a_malformed_answer_changes_nothing_and_ends_refining(renderer: Renderer,
                                                               shot: Screenshot) -> None:
    start = clone_page(words=MISREAD)
    events = list(run_refine(RefineJob(screenshot=shot, html=start, rounds=2),
                             ScriptedBackend(edit("<h9>not there</h9>", "x")), renderer))
    result = unwrap(events[-1])
    (step,) = [e for e in events if isinstance(e, StepFinished)]
    assert not step.kept and "answer not used: the text to replace is not in the page" \
        in step.line
    assert result.page.html == start and result.versions == ()


def test_refine_with_the_tiny_model_never_ends_lower(renderer: Renderer, shot: Screenshot,
                                                     tiny_model: tuple[Path, Path]) -> None:
    start = clone_page(words=MISREAD, boxes=True)
    before = review(renderer, shot, start).comparison.similarity
    backend = make_backend("in-process", config=EngineConfig(
        model=tiny_model[0], mmproj=tiny_model[1], n_ctx=8192))
    try:
        events = list(run_refine(RefineJob(screenshot=shot, html=start, rounds=2,
                                           asking=Asking(max_tokens=60, seed=1)),
                                 backend, renderer))
    finally:
        backend.close()
    result = unwrap(events[-1])
    assert result.review is not None and result.review.comparison.similarity >= before
    assert result.page.html == start  # gibberish is never applied
    lines = [e.line for e in events if isinstance(e, StepFinished)]
    assert lines and lines[0].startswith("refine round 1: ")


def test_an_edit_by_instruction_is_applied_and_scored(renderer: Renderer,
                                                      shot: Screenshot) -> None:
    start = clone_page()
    answer = edit("header { height: 64px;", "header { position: sticky; top: 0; height: 64px;")
    backend = ScriptedBackend(answer)
    events = list(run_edit(EditJob(html=start, instruction="make the header sticky",
                                   screenshot=shot), backend, renderer))
    result = unwrap(events[-1])
    assert result.page.html == start.replace("header { height: 64px;",
                                             "header { position: sticky; top: 0; height: 64px;")
    (version,) = result.versions
    assert version.kind == "edit" and version.label == "make the header sticky"
    assert version.score is not None and version.score > 0.99
    assert "make the header sticky" in backend.requests[0].prompt
    assert backend.requests[0].image_png == shot.png


def test_an_edit_without_a_screenshot_shows_the_model_the_page(renderer: Renderer) -> None:
    backend = ScriptedBackend(edit("background: #ffffff;", "background: #111827;"))
    result = unwrap(list(run_edit(EditJob(html=clone_page(), instruction="use a dark theme"),
                                  backend, renderer))[-1])
    assert "background: #111827;" in result.page.html
    assert Image.open(io.BytesIO(backend.requests[0].image_png)).size == (1280, 800)
    assert result.versions[0].score is None


def test_a_malformed_edit_is_reported_and_changes_nothing(renderer: Renderer,
                                                          shot: Screenshot) -> None:
    events = list(run_edit(EditJob(html=clone_page(), instruction="x", screenshot=shot),
                           ScriptedBackend("Sure! I made the header sticky."), renderer))
    assert isinstance(events[-1], JobFailed) and not isinstance(events[-1], JobFinished)
    assert isinstance(events[-1].error, EditsRejected)
    assert events[-1].partial_text == "Sure! I made the header sticky."
