"""Scores and pictures, on real renders and on awkward shapes."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.review.compare import CompareConfig, Reference, compare, heatmap, side_by_side
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


def _soft_edged_page(width: int, height: int, seed: int) -> np.ndarray:
    """Dark boxes with anti-aliased (half-tone) edges scattered down a light page."""
    rng = np.random.default_rng(seed)
    page = np.full((height, width, 3), 250, np.uint8)
    for top in rng.integers(0, height - 12, height // 6):
        left = int(rng.integers(0, width - 30))
        page[top:top + 9, left:left + 24] = 30
        page[top:top + 9, left - 1 if left else 0] = 140  # a soft left edge
    return page


def test_strips_and_skipped_rows_give_the_whole_images_answer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Bands of differing rows and 16-row strips (edges and anti-aliasing crossing their
    borders) count exactly what pixelmatch counts over the whole image."""
    from pixelmatch.contrib.PIL import pixelmatch

    import app.review.compare as compare_module

    monkeypatch.setattr(compare_module, "STRIP_ROWS", 16)
    a = _soft_edged_page(120, 150, seed=1)
    b = a.copy()
    b[14:19, 10:60] = 60  # across a strip border
    b[40:42] = np.roll(a[40:42], 1, axis=1)  # two shifted rows: anti-aliasing both sides
    b[100:131] = _soft_edged_page(120, 150, seed=2)[100:131]
    diff = pixelmatch(Image.fromarray(a).convert("RGBA"), Image.fromarray(b).convert("RGBA"),
                      threshold=0.1, includeAA=False)
    with_aa = pixelmatch(Image.fromarray(a).convert("RGBA"), Image.fromarray(b).convert("RGBA"),
                         threshold=0.1, includeAA=True)
    expected_aa = with_aa - diff
    r = compare(a, b)
    assert (r.mismatched_pixels, r.antialiased_pixels) == (diff, expected_aa)
    assert expected_aa > 0 and not r.diff_mask[60:99].any()  # identical rows stay clean


def test_memory_grows_with_the_page_not_faster() -> None:
    """A tall pair differing everywhere: beyond the images, a few bytes a pixel (the masks and
    the averaged-down luma), not the ~80 a whole-image float pass takes."""
    import tracemalloc

    rng = np.random.default_rng(0)
    a = rng.integers(0, 255, (4000, 1280, 3), dtype=np.uint8)
    b = a.copy()
    b[::3] = 255 - b[::3]
    tracemalloc.start()
    try:
        r = compare(a, b)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert r.mismatched_pixels > 1_000_000
    assert peak / a[..., 0].size < 12


def test_a_reference_reused_for_many_renders_scores_as_a_fresh_compare(
        renderer: Renderer) -> None:
    original = np.asarray(render(renderer, card()))
    reference = Reference(original)
    for page in (card(colour="#e74a3b"), card(left=300), card(), card(text="Earnings $1")):
        clone = np.asarray(render(renderer, page))
        reused, fresh = compare(reference, clone), compare(original, clone)
        assert reused.scores() == fresh.scores()
        assert np.array_equal(reused.diff_mask, fresh.diff_mask)
    with pytest.raises(ValueError, match="threshold"):
        compare(reference, original, CompareConfig(threshold=0.2))


@pytest.mark.parametrize(("background", "threshold"), [
    ((248, 249, 252), 0.1), ((208, 166, 233), 0.1), ((255, 255, 255), 0.05)])
def test_content_mask_is_pixelmatchs_on_every_colour(background: tuple[int, int, int],
                                                      threshold: float) -> None:
    """The content test done in numpy marks exactly the pixels pixelmatch marks as differing
    from a flat background, for all 2^24 colours (in strips of 256 rows of 4096). On the
    lilac background the float64 answer differs from pixelmatch's float32 one in one colour."""
    from pybind11_pixelmatch import Options, pixelmatch

    import app.review.compare as compare_module

    options = Options()
    options.threshold, options.includeAA = threshold, True
    scratch = compare_module._Scratch()
    for top in range(0, 4096, 256):
        colours = np.arange(top * 4096, (top + 256) * 4096, dtype=np.uint32).reshape(256, 4096)
        rgb = np.stack([colours >> 16, colours >> 8 & 255, colours & 255], -1).astype(np.uint8)
        rgba, flat = np.dstack([rgb, np.full(colours.shape, 255, np.uint8)]), np.empty(
            (256, 4096, 4), np.uint8)
        flat[:] = (*background, 255)
        drawn = np.empty_like(rgba)
        pixelmatch(rgba, flat, output=drawn, options=options)
        ours = np.empty(colours.shape, bool)
        compare_module._content(rgb, np.array(background, np.uint8), threshold, ours, scratch)
        assert np.array_equal(ours, np.all(drawn == (255, 0, 0, 255), axis=-1)), top


def test_a_reference_reused_for_renders_of_other_sizes_scores_as_a_fresh_compare() -> None:
    """The scratch arrays a reference keeps between compares never leak one answer into the
    next: renders taller, shorter, narrower and wider than the original, in turn."""
    original = _soft_edged_page(300, 700, seed=3)
    reference = Reference(original)
    rng = np.random.default_rng(4)
    for height, width in ((700, 300), (900, 300), (400, 250), (700, 340), (50, 300), (700, 300)):
        clone = _soft_edged_page(width, height, seed=int(rng.integers(100)))
        clone[: height // 3, : min(width, 300)] = original[: height // 3, : min(width, 300)]
        reused, fresh = compare(reference, clone), compare(original, clone)
        assert reused.scores() == fresh.scores()
        assert np.array_equal(reused.diff_mask, fresh.diff_mask)
        assert np.array_equal(reused.aa_mask, fresh.aa_mask)
        assert np.array_equal(reused.ssim_small, fresh.ssim_small)


def test_threads_sharing_a_reference_get_the_answers_of_compares_in_turn() -> None:
    """Compares against one reference from several threads at once take turns over its work
    arrays: each gets the answer it gets alone."""
    from concurrent.futures import ThreadPoolExecutor

    original = _soft_edged_page(640, 900, seed=5)
    clones = [_soft_edged_page(640, 900, seed=seed) for seed in range(6, 14)]
    alone = [compare(original, clone) for clone in clones]
    reference = Reference(original)
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda clone: compare(reference, clone), clones))
    for one, other in zip(alone, together, strict=True):
        assert one.scores() == other.scores()
        assert np.array_equal(one.diff_mask, other.diff_mask)
