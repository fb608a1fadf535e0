"""Pages too heavy to render end as a browser problem (exit 4) with a one-line reason, quickly,
and the renderer goes on working; a very tall page costs no more than its screenshot's height."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from app.cli import main
from app.errors import RenderFailed
from app.review.render import MAX_PAGE_BYTES, Renderer
from tests.app.pages import card


def _nested_use(levels: int, fan: int) -> str:
    """An SVG "billion laughs": each group draws the one below it ``fan`` times."""
    groups = ['<g id="g0"><rect width="1" height="1" fill="red"/></g>']
    for i in range(1, levels + 1):
        groups.append(f'<g id="g{i}">' + f'<use href="#g{i - 1}"/>' * fan + "</g>")
    return (f'<svg width="200" height="200"><defs>{"".join(groups)}</defs>'
            f'<use href="#g{levels}"/></svg>')


ENTITY_LAUGHS = ("data:image/svg+xml," + "".join([
    "<?xml version='1.0'?><!DOCTYPE svg [<!ENTITY l0 'ha'>",
    *(f"<!ENTITY l{i} '{f'&l{i - 1};' * 10}'>" for i in range(1, 10)),
    "]><svg xmlns='http://www.w3.org/2000/svg'><text>&l9;</text></svg>"]))

HEAVY = {
    "a million elements": "<div>" + "<i>x</i>" * 1_000_000 + "</div>",
    "a million elements from a script": (
        "<script>const f = document.createDocumentFragment(); for (let i = 0; i < 1e6; i++) "
        "f.appendChild(document.createElement('i')).textContent = 'x'; "
        "document.body.appendChild(f);</script>"),
    "SVG billion laughs (nested use)": _nested_use(9, 10),
    "SVG billion laughs (XML entities)": f'<img src="{ENTITY_LAUGHS}" width="100">',
    "300,000 px tall": "<div style='height:300000px;background:linear-gradient(red,blue)'></div>",
}


@pytest.mark.parametrize("name", list(HEAVY))
def test_a_heavy_page_renders_or_fails_with_one_clear_line(name: str) -> None:
    with Renderer() as r, warnings.catch_warnings():
        warnings.simplefilter("error")  # no raw DecompressionBombWarning, or any other
        try:
            out = r.render(f"<!DOCTYPE html><body style='margin:0'>{HEAVY[name]}</body>", 640,
                           400)
        except RenderFailed as e:
            assert e.exit_code == 4 and "\n" not in str(e)
            assert "too heavy" in str(e) or "failed to render" in str(e)
        else:
            assert (out.width, out.height) == (640, 400)
        assert r.render(card(), 320, 200).width == 320  # the renderer goes on working


def test_a_tall_page_is_pictured_only_as_tall_as_needed(renderer: Renderer) -> None:
    out = renderer.render(f"<body style='margin:0'>{HEAVY['300,000 px tall']}</body>", 1280,
                          800)
    assert out.rgb.shape == (800, 1280, 3)
    assert out.page_height == 300_000 and out.overrun == 300_000 - 800


def test_a_page_over_the_size_limit_is_refused_at_once(tmp_path: Path, ui_png: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    page = tmp_path / "big.html"
    page.write_text("<p>" + "x" * MAX_PAGE_BYTES + "</p>")
    assert main(["diff", str(ui_png), str(page)]) == 4
    err = capsys.readouterr().err.strip()
    assert err == (f"shotclone: error: The page is {len(page.read_bytes()) / 1e6:.0f} MB; "
                   f"ShotClone renders pages of up to {MAX_PAGE_BYTES / 1e6:.0f} MB.")
