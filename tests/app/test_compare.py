"""Scores and pictures, on real renders and on awkward shapes."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.review.compare import compare, heatmap, side_by_side
from app.review.render import Renderer
from tests.app.pages import card

W, H = 800, 500
CARD_BOX = (40, 120, 280, 260)  # left, top, right, bottom of .card at left=40


def render(renderer: Renderer, html: str) -> Image.Image:
    return renderer.render(html, W, H).image()


def diff_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero(mask)
    return int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1


def inside(box: tuple[int, int, int, int], outer: tuple[int, int, int, int],
           slack: int = 2) -> bool:
    return (box[0] >= outer[0] - slack and box[1] >= outer[1] - slack
            and box[2] <= outer[2] + slack and box[3] <= outer[3] + slack)


def test_same_page_rendered_twice_is_a_perfect_match(renderer: Renderer) -> None:
    r = compare(render(renderer, card()), render(renderer, card()))
    assert r.similarity >= 0.99 and r.ssim >= 0.99
    assert r.pixel_mismatch == 0 and r.mismatched_pixels == 0


def test_one_changed_colour(renderer: Renderer) -> None:
    original = render(renderer, card())
    r = compare(original, render(renderer, card(colour="#e74a3b")))
    assert 0.8 < r.similarity < 0.99
    assert inside(diff_box(r.diff_mask), CARD_BOX)
    heat = np.asarray(heatmap(original, r))
    cx, cy = (CARD_BOX[0] + CARD_BOX[2]) // 2, (CARD_BOX[1] + CARD_BOX[3]) // 2
    assert heat[cy, cx].tolist() == [255, 0, 0]  # red where the card changed colour
    assert heat[400, 700].tolist() != [255, 0, 0]  # and not elsewhere


def test_one_moved_block(renderer: Renderer) -> None:
    r = compare(render(renderer, card()), render(renderer, card(left=300)))
    assert r.similarity < 0.97
    assert inside(diff_box(r.diff_mask), (40, 120, 540, 260))


def test_changed_text(renderer: Renderer) -> None:
    original = render(renderer, card())
    r = compare(original, render(renderer, card(text="Earnings $41,500")))
    assert 0.9 < r.similarity < 1.0
    assert inside(diff_box(r.diff_mask), (400, 320, 800, 380), slack=4)


def test_scores_order_by_how_different_pages_are(renderer: Renderer) -> None:
    original = render(renderer, card())
    colour = compare(original, render(renderer, card(colour="#e74a3b"))).similarity
    moved = compare(original, render(renderer, card(left=300))).similarity
    blank = compare(original, Image.new("RGB", (W, H), "white")).similarity
    assert 1.0 > colour > blank and moved > blank and blank < 0.6


def test_real_screenshots_of_different_pages_score_low(screens: Path) -> None:
    login = Image.open(screens / "sb-admin-login.png")
    assert compare(login, Image.open(screens / "sb-admin-dashboard.png")).similarity < 0.5
    assert compare(login, login).similarity == 1.0


def test_anti_aliasing_is_ignored() -> None:
    a = np.full((40, 40, 3), 255, np.uint8)
    a[10:30, 10:30] = 0
    b = a.copy()
    b[10:30, 9] = 128  # a soft edge, as a different rasteriser draws it
    r = compare(a, b)
    assert r.mismatched_pixels == 0 and r.antialiased_pixels == 20


def test_different_sizes_compare_common_area_with_a_penalty() -> None:
    a = np.full((100, 200, 3), 200, np.uint8)
    r = compare(a, a[:, :150])
    assert r.coverage == pytest.approx(0.75)
    assert r.pixel_mismatch == pytest.approx(0.25)
    assert r.similarity == pytest.approx(0.75)
    heat = np.asarray(heatmap(a, r))
    assert heat[50, 175].tolist() == [255, 0, 0] and heat[50, 75].tolist() != [255, 0, 0]


@pytest.mark.parametrize("shape", [(1, 500), (500, 1), (1, 1), (3, 3), (6000, 200)])
def test_awkward_shapes_never_crash(shape: tuple[int, int]) -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(0, 255, (*shape, 3), dtype=np.uint8)
    b = a.copy()
    b[: shape[0] // 2 + 1] = 255 - b[: shape[0] // 2 + 1]
    same, other = compare(a, a), compare(a, b)
    assert same.similarity == pytest.approx(1.0)
    assert 0 <= other.similarity < same.similarity
    assert other.ssim_map.shape == shape
    assert side_by_side(a, b, other).width > 0


def test_side_by_side_has_three_panels_and_a_header(renderer: Renderer) -> None:
    original = render(renderer, card())
    clone = render(renderer, card(colour="#e74a3b"))
    sheet = side_by_side(original, clone, compare(original, clone))
    assert sheet.width > 3 * W and sheet.height > H


def test_pixel_diff_matches_the_reference_pixelmatch(renderer: Renderer) -> None:
    """Our vectorised diff counts exactly what pixelmatch (the reference) counts."""
    from pixelmatch.contrib.PIL import pixelmatch

    base = render(renderer, card())
    for other in (card(text="Earnings $41,500"), card(left=43),
                  "<p style='font-size:40px;margin:30px'>Hello world</p>"):
        clone = render(renderer, other)
        expected = pixelmatch(base.convert("RGBA"), clone.convert("RGBA"), threshold=0.1,
                              includeAA=False)
        assert compare(base, clone).mismatched_pixels == expected
