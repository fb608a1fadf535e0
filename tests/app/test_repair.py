"""Repair without the model, on pages written for it: the original is rendered to make the
screenshot, and a clone with a model's typical mistakes is repaired against it."""

from collections.abc import Iterator

import numpy as np
import pytest
from bs4 import BeautifulSoup

from app.colour import delta_e
from app.intake import Screenshot
from app.page.colours import dominant_colours, snap_colours
from app.page.placeholders import mark_placeholders
from app.page.repair import RepairOptions, repair
from app.page.wording import fix_wording
from app.review.render import Renderer
from app.review.review import review
from tests.app.repair_pages import (
    LOGO_BOX,
    MISREAD,
    PHOTO_BOX,
    SHIFTED,
    TRUE_COLOURS,
    TRUE_WORDS,
    clone_page,
    original_page,
)

W, H = 760, 420


@pytest.fixture(scope="module")
def shot(renderer: Renderer) -> Screenshot:
    rendered = renderer.render(original_page(), W, H)
    return Screenshot(png=rendered.png, width=W, height=H)


def lines(_: Screenshot) -> list[str]:
    return list(TRUE_WORDS.values())  # what OCR reads off the original


def structure(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every tag with its attributes, and the CSS: all but the text nodes."""
    soup = BeautifulSoup(html, "html.parser")
    tags = [(t.name, sorted((k, str(v)) for k, v in t.attrs.items()))
            for t in soup.find_all(True)]
    return [*tags, ("css", [(str(i), str(s.string)) for i, s in enumerate(soup("style"))])]


def test_a_misspelt_heading_is_corrected_in_text_nodes_only() -> None:
    page = clone_page(words=MISREAD)
    fixed, fixes = fix_wording(page, list(TRUE_WORDS.values()))
    assert fixed == clone_page()
    assert {(f.was, f.now) for f in fixes} == {(MISREAD[k], TRUE_WORDS[k]) for k in MISREAD}
    assert structure(fixed) == structure(page)


def test_text_unlike_any_line_and_case_differences_are_left_alone() -> None:
    page = ("<html><head><style>.a{color:#123}</style><title>Northwlnd</title></head><body>"
            "<p>Completely different words</p><p>BOOK NOW</p><p class=\"Northwlnd\">ok</p>"
            "</body></html>")
    fixed, fixes = fix_wording(page, ["Northwind", "Book now", "Other copy entirely"])
    assert fixes == [] and fixed == page


def test_colours_a_few_units_off_snap_to_the_screenshots(shot: Screenshot) -> None:
    palette = dominant_colours(shot.image())
    page = clone_page(colours=SHIFTED)
    snapped, snaps = snap_colours(page, palette)
    assert snapped == clone_page()
    assert {s.was: s.now for s in snaps} == {SHIFTED[k]: TRUE_COLOURS[k] for k in SHIFTED}
    assert all(s.distance < 2 for s in snaps)


def test_a_colour_far_from_every_measured_one_stays() -> None:
    palette = np.array([[29, 78, 216], [255, 255, 255]], np.uint8)
    page = "<style>#a1b { color: #dc2626; } .x { color: #2052d9 }</style><p>#2052d9</p>"
    snapped, snaps = snap_colours(page, palette)
    assert [(s.was, s.now) for s in snaps] == [("#2052d9", "#1d4ed8")]
    assert "#a1b {" in snapped and "#dc2626" in snapped and "<p>#2052d9</p>" in snapped


def test_ciede2000_matches_sharmas_reference_pairs() -> None:
    pairs = [((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
             ((50, 2.5, 0), (73, 25, -18), 27.1492),
             ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
             ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644)]
    for a, b, expected in pairs:
        assert delta_e(np.array(a), np.array(b)) == pytest.approx(expected, abs=1e-4)


def test_placeholders_get_crops_of_the_right_place_and_size(renderer: Renderer,
                                                            shot: Screenshot) -> None:
    page = clone_page(boxes=True)
    assert mark_placeholders(page)[1] >= 2
    result = repair(renderer, shot, page, RepairOptions(text=False, colours=False))
    (step,) = result.steps
    assert step.kept and step.after is not None and step.after > step.before
    assert {c.split(" at ")[0] for c in step.changes} == {"<svg>", "<div>"}
    original, render = np.asarray(shot.image()).astype(int), result.review.rendered.rgb.astype(int)
    for x, y, w, h in (PHOTO_BOX, LOGO_BOX):
        region = np.s_[y:y + h, x:x + w]
        assert np.abs(original[region] - render[region]).max() <= 2
    assert "<div class=\"photo\" style=\"background:#e5e7eb;background:url(data:image/png" \
        in result.html


def test_a_page_that_poisons_the_dom_reads_is_repaired_without_an_error(
        renderer: Renderer, shot: Screenshot) -> None:
    """The DOM reads run after the page's own scripts: a page that replaced ``Array.from``
    and ``JSON.stringify`` answers boxes and words of the wrong kind, which are left out."""
    poison = ("<script>Array.from = () => [1, null, {slot: 0, x: 'left', y: 0, w: 99, h: 99, "
              "standIn: true, visible: true}]; JSON.stringify = () => 'not json';</script>")
    page = clone_page(boxes=True).replace("</body>", poison + "</body>")
    result = repair(renderer, shot, page, RepairOptions(text=False, colours=False))
    assert result.steps == [] or not result.steps[0].changes


def test_an_img_without_a_source_is_filled_at_its_rendered_size(renderer: Renderer,
                                                                shot: Screenshot) -> None:
    page = clone_page().replace('class="photo" src="', 'class="photo" data-was="')
    result = repair(renderer, shot, page, RepairOptions(text=False, colours=False))
    render = result.review.rendered.rgb.astype(int)
    x, y, w, h = PHOTO_BOX
    assert np.abs(np.asarray(shot.image()).astype(int)[y:y + h, x:x + w]
                  - render[y:y + h, x:x + w]).max() <= 2
    assert result.steps[0].kept


def test_the_whole_repair_brings_back_words_pictures_and_colours(renderer: Renderer,
                                                                 shot: Screenshot) -> None:
    page = clone_page(words=MISREAD, colours=SHIFTED, boxes=True)
    heard: list[str] = []
    result = repair(renderer, shot, page, read_text=lines, on_step=lambda s: heard.append(s.name))
    assert heard == ["text", "images", "colours"]
    assert all(s.kept for s in result.steps)
    best = review(renderer, shot, original_page()).similarity  # the page itself: its ceiling
    assert result.steps[-1].after == pytest.approx(best, abs=1e-3)
    assert result.steps[0].before < best - 0.05
    for word in TRUE_WORDS.values():
        assert word in result.html
    assert all(c in result.html for c in TRUE_COLOURS.values())


def test_a_step_that_lowers_the_score_is_undone(renderer: Renderer, shot: Screenshot) -> None:
    # The "original" text says otherwise than the screenshot: the fix makes the page worse.
    page = clone_page()
    result = repair(renderer, shot, page, RepairOptions(images=False, colours=False),
                    read_text=lambda _: ["Weekend in the Alpine Lakes"])
    (step,) = result.steps
    assert step.after is not None and step.after < step.before and not step.kept
    assert result.html == page
    assert "undone, the score dropped" in step.line()


def test_a_page_with_nothing_to_repair_is_left_byte_for_byte(renderer: Renderer,
                                                             shot: Screenshot) -> None:
    page = original_page()
    result = repair(renderer, shot, page, read_text=lines)
    assert result.html == page
    assert [s.after for s in result.steps] == [None, None, None]


@pytest.fixture
def hidpi(renderer: Renderer) -> Iterator[Screenshot]:
    rendered = renderer.render(original_page(), W * 2, H * 2, 2.0)
    yield Screenshot(png=rendered.png, width=W * 2, height=H * 2, device_pixel_ratio=2.0)


def test_crops_are_taken_in_physical_pixels_on_a_hidpi_screenshot(renderer: Renderer,
                                                                  hidpi: Screenshot) -> None:
    result = repair(renderer, hidpi, clone_page(boxes=True),
                    RepairOptions(text=False, colours=False))
    x, y, w, h = (v * 2 for v in PHOTO_BOX)
    diff = np.abs(np.asarray(hidpi.image()).astype(int)[y:y + h, x:x + w]
                  - result.review.rendered.rgb.astype(int)[y:y + h, x:x + w])
    assert diff.max() <= 2
