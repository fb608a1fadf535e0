"""Design2Code's text-block scores on real renders: the original's blocks by OCR, the clone's
from its DOM; the matcher, the colour difference and the DOM read on their own."""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont
from scipy.stats import spearmanr

from app.colour import delta_e
from app.intake import load_screenshot
from app.review.compare import compare
from app.review.ocr import ocr_available, ocr_blocks
from app.review.render import Rendered, Renderer
from app.review.review import (
    MISSING_OUTLINE,
    MISTEXTED_OUTLINE,
    combined_similarity,
    page_blocks,
    review,
)
from app.review.textblocks import DOM_WORDS_JS, TextBlock, dom_blocks, join_words, text_colour
from app.review.textscores import match_blocks, score_blocks
from tests.app.variants import ARTICLE, PRICING, variants

W, H = 1280, 800
needs_ocr = pytest.mark.skipif(not ocr_available(), reason="no OCR engine installed")


def block(text: str, x: float, y: float, w: float = 200, h: float = 20,
          color: tuple[int, int, int] = (0, 0, 0)) -> TextBlock:
    return TextBlock(text, (x, y, w, h), color)


@pytest.fixture(scope="module")
def pricing(renderer: Renderer) -> Iterator[tuple[Rendered, list[TextBlock]]]:
    original = renderer.render(PRICING, W, H)
    yield original, ocr_blocks(original.rgb)


def read(renderer: Renderer, html: str, width: int = W, height: int = H,
         dpr: float = 1.0) -> tuple[Rendered, list[TextBlock]]:
    """A render and its text blocks from the DOM."""
    rendered = renderer.render(html, width, height, dpr, read=DOM_WORDS_JS)
    blocks = page_blocks(rendered, dpr)
    assert blocks is not None, rendered.read_error
    return rendered, blocks


def scores_of(renderer: Renderer, original: tuple[Rendered, list[TextBlock]], html: str):  # type: ignore[no-untyped-def]
    return score_blocks(original[1], read(renderer, html)[1], (W, H))


@needs_ocr
def test_identical_page_scores_full_marks(renderer: Renderer, pricing) -> None:  # type: ignore[no-untyped-def]
    s = scores_of(renderer, pricing, PRICING)
    assert min(s.block, s.text, s.position, s.colour) >= 0.99
    assert not s.missing and not s.extra and not s.mistexted


@needs_ocr
@pytest.mark.parametrize(("variant", "lowest"), [("some words", "text"), ("shifted", "position"),
                                                 ("recoloured", "colour"),
                                                 ("dropped block", "block")])
def test_each_change_lowers_its_own_score_most(renderer: Renderer, pricing, variant: str,  # type: ignore[no-untyped-def]
                                               lowest: str) -> None:
    s = scores_of(renderer, pricing, variants(PRICING, ARTICLE)[variant])
    subs = {"block": s.block, "text": s.text, "position": s.position, "colour": s.colour}
    assert min(subs, key=subs.__getitem__) == lowest, subs
    assert subs[lowest] < 0.99


@needs_ocr
def test_a_changed_word_is_outlined_as_mistexted(renderer: Renderer, pricing) -> None:  # type: ignore[no-untyped-def]
    s = scores_of(renderer, pricing, PRICING.replace("growing teams", "large companies"))
    assert [c.text for _, c, _ in s.mistexted] == ["Simple pricing for large companies"]


@needs_ocr
def test_screenshot_only_similarity_ranks_like_the_html_based_one(renderer: Renderer) -> None:
    """Design2Code's HTML-based metric reads both pages' DOMs; ours reads the original by OCR.
    Over clones from perfect to blank, of two pages, they must rank alike."""
    for base, other in ((PRICING, ARTICLE), (ARTICLE, PRICING)):
        original, original_dom = read(renderer, base)
        ocr = ocr_blocks(original.rgb)
        shot_only, html_based = [], []
        for html in variants(base, other).values():
            clone, clone_dom = read(renderer, html)
            visual = compare(original.rgb, clone.rgb).similarity
            shot_only.append(combined_similarity(
                visual, score_blocks(ocr, clone_dom, (W, H))))
            html_based.append(combined_similarity(
                visual, score_blocks(original_dom, clone_dom, (W, H))))
        assert spearmanr(shot_only, html_based).statistic >= 0.9
        assert shot_only[0] >= 0.99 and shot_only[-1] < 0.3  # the same page; blank


def test_split_lines_are_merged_to_match_one_block() -> None:
    original = [block("Start free, upgrade when", 10, 10),
                block("your dashboards need more", 10, 32), block("Pricing", 600, 10)]
    clone = [block("Start free, upgrade when your dashboards need more", 10, 10, 420, 40),
             block("Pricing", 600, 12)]
    pairs, missing, extra = match_blocks(original, clone)
    assert [(a.text, b.text) for a, b, _ in pairs] == [
        ("Start free, upgrade when your dashboards need more",
         "Start free, upgrade when your dashboards need more"), ("Pricing", "Pricing")]
    assert not missing and not extra
    # and the other way round: the clone split what the original holds as one block
    pairs, missing, extra = match_blocks(clone, original)
    assert len(pairs) == 2 and not missing and not extra


def test_unrelated_text_is_not_a_match() -> None:
    s = score_blocks([block("Welcome back", 10, 10)], [block("Quarterly revenue", 10, 10)],
                     (W, H))
    assert s.block == 0 and len(s.missing) == len(s.extra) == 1
    assert score_blocks([], [], (W, H)).block == 1.0
    assert score_blocks([block("Hello", 1, 1)], [], (W, H)).text == 0.0


def test_scores_are_area_weighted() -> None:
    big, small = block("A large heading here", 0, 0, 600, 60), block("tiny note", 0, 300, 60, 10)
    moved_small = block("tiny note", 0, 700, 60, 10)
    s = score_blocks([big, small], [big, moved_small], (W, H))
    assert s.position > 0.95  # the small block's 50% move barely counts beside the big one


def test_ciede2000_matches_sharmas_published_values() -> None:
    lab1 = np.array([[50, 2.6772, -79.7751], [50, 0, 0], [50, 2.5, 0], [50, 2.49, -0.001]])
    lab2 = np.array([[50, 0, -82.7485], [50, -1, 2], [73, 25, -18], [50, -2.49, 0.0009]])
    assert delta_e(lab1, lab2) == pytest.approx([2.0425, 2.3669, 27.1492, 7.1792],
                                                    abs=1e-4)


def test_text_colour_is_the_ink_not_the_background() -> None:
    img = Image.new("RGB", (300, 60), (30, 64, 175))
    ImageDraw.Draw(img).text((10, 10), "Sign in now", fill=(250, 204, 21),
                             font=ImageFont.truetype("DejaVuSans.ttf", 32))
    r, g, b = text_colour(np.asarray(img), (0, 0, 300, 60))
    assert abs(r - 250) + abs(g - 204) + abs(b - 21) < 30


def test_words_join_into_lines_but_columns_stay_apart() -> None:
    raw = [["Name", 10, 10, 40, 16, "rgb(0, 0, 0)"], ["Airi", 300, 10, 30, 16, "rgb(0, 0, 0)"],
           ["Satou", 334, 10, 42, 16, "rgb(0, 0, 0)"],
           ["Tokyo", 600, 10, 42, 16, "rgba(200, 0, 0, 0.9)"]]
    assert [b.text for b in join_words([TextBlock(t, (x, y, w, h), (0, 0, 0))
                                        for t, x, y, w, h, _ in raw])] == \
        ["Name", "Airi Satou", "Tokyo"]
    blocks = dom_blocks(raw, device_pixel_ratio=2)
    assert blocks[-1].box == (1200, 20, 84, 32) and blocks[-1].color == (200, 0, 0)


def test_the_dom_read_finds_text_fields_and_skips_hidden_text(renderer: Renderer) -> None:
    html = ("<body style='margin:0;font:16px sans-serif'><h1 style='color:#123456'>Sign in</h1>"
            "<p style='visibility:hidden'>secret</p><p style='display:none'>gone</p>"
            "<input placeholder='Email address'><input type=submit value='Continue'>"
            "<input type=hidden value='token'></body>")
    _, blocks = read(renderer, html, 640, 400, 2.0)
    assert [b.text for b in blocks] == ["Sign in", "Email address", "Continue"]
    assert blocks[0].color == (0x12, 0x34, 0x56) and blocks[0].box[3] > 60  # physical pixels


@needs_ocr
def test_the_heatmap_outlines_missing_and_mistexted_blocks(renderer: Renderer,
                                                           tmp_path: Path) -> None:
    shot_path = tmp_path / "pricing.png"
    shot_path.write_bytes(renderer.render(PRICING, W, H).png)
    shot = load_screenshot(shot_path)
    clone = variants(PRICING, ARTICLE)["dropped block"].replace("Start free", "Begin today")
    judged = review(renderer, shot, clone)
    assert judged.text is not None and judged.text.missing and judged.text.mistexted
    heat = np.asarray(judged.heatmap)
    for block, colour in ((judged.text.missing[0], MISSING_OUTLINE),
                          (judged.text.mistexted[0][0], MISTEXTED_OUTLINE)):
        x, y, w, _ = (round(v) for v in block.box)
        edge = heat[y - 2, x:x + w]  # the line just above the block
        assert (edge == colour).all(axis=1).mean() > 0.9
