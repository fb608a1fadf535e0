"""Render + compare with a warm browser, against a bare Playwright ``set_content`` +
``screenshot`` of the same page in the same browser, interleaved in the same run.

Cases: 1280x800 against the same page (a perfect clone), 1280x800 against a real screenshot
(a hand-written clone of it, when ../shared/screens is there), and full pages of 1280x2800 and
1280x5600 (one card recoloured in the original) to show that time grows with the page and no
faster. Each render is compared with one ``Reference`` of its original, as the app's edit loop
does (the original's share is worked out on the first round, a warm-up round). The page's reset
to a blank document runs in the browser after each render, while compare runs; the run idles a
moment before timing the reference so the reset never slows it. The machine's load average is
printed with each line: on a shared machine, read the ratio, not the milliseconds.

    python -m benchmarks.bench_render [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from collections.abc import Sequence
from importlib.metadata import version
from typing import Any

import cv2
import numpy as np

from app.intake import load_screenshot
from app.review.compare import Reference, compare
from app.review.render import Renderer
from benchmarks._report import ROOT, SHARED_SCREENS, emit, median_ms

PAGE = ROOT / "benchmarks" / "pages" / "login.html"
SETTLE_S = 0.1  # lets the last render's page finish going blank before the reference is timed

_CARD = ("<article class='card' style='background:{bg}'><h2>{title}</h2><p>{text}</p>"
         "<button>Read more</button></article>")
_FEED = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>
body {{ margin: 0; font: 16px DejaVu Sans, sans-serif; background: #f4f5f7; color: #1f2933; }}
header {{ height: 72px; background: #1f3a5f; color: #fff; font-size: 26px; padding: 20px 40px;
          box-sizing: border-box; }}
main {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 24px; padding: 32px 40px; }}
.card {{ height: 300px; border-radius: 10px; padding: 20px; box-sizing: border-box;
         box-shadow: 0 1px 3px rgba(0, 0, 0, .15); }}
.card h2 {{ margin: 0 0 12px; font-size: 20px; }}
button {{ border: 0; border-radius: 6px; background: #2f6fde; color: #fff; padding: 10px 18px; }}
</style></head><body><header>Field notes</header><main>{cards}</main></body></html>"""


def feed(height: int, odd_one: int | None = None) -> str:
    """A page of cards about ``height`` px tall; card ``odd_one`` recoloured."""
    rows = max(1, (height - 72 - 64) // 324)
    cards = "".join(_CARD.format(bg="#ffe8d6" if i == odd_one else "#fff",
                                 title=f"Note {i + 1}: tides and weather",
                                 text="Low water at dawn, a westerly through the morning, "
                                 f"and {i % 7 + 2} boats out past the harbour wall.")
                    for i in range(rows * 3))
    return _FEED.format(cards=cards)


def _measure(renderer: Renderer, bare_page: Any, html: str, original: np.ndarray,
             runs: int, full_page: bool) -> dict[str, Any]:
    ours, reference, compares = [], [], []
    similarity = 0.0
    h, w = original.shape[:2]
    reference_picture = Reference(original)
    for i in range(runs + 3):  # interleaved; the first 3 rounds warm up
        time.sleep(SETTLE_S)
        t = time.perf_counter()
        bare_page.set_content(html, wait_until="load")
        bare_page.screenshot(full_page=full_page)
        t_ref = time.perf_counter() - t
        t = time.perf_counter()
        rendered = renderer.render(html, w, h)
        t_render = time.perf_counter() - t
        similarity = compare(reference_picture, rendered.rgb).similarity
        t_all = time.perf_counter() - t
        if i >= 3:
            reference.append(t_ref)
            ours.append(t_all)
            compares.append(t_all - t_render)
    tracemalloc.start()
    compare(Reference(original), rendered.rgb)  # with the original's share: the first round
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"ours": ours, "reference": reference, "compare_ms": round(median_ms(compares), 1),
            "similarity": round(similarity, 4), "compare_peak_mb": round(peak / 1e6, 1),
            "compare_peak_bytes_per_px": round(peak / (h * w), 1),
            "load_average": round(os.getloadavg()[0], 1)}


def _libraries(renderer: Renderer) -> dict[str, str]:
    return {"render_by": f"playwright {version('playwright')}, "
                         f"Chromium {renderer._ensure_browser().version}",
            "compare_by": f"pybind11-pixelmatch {version('pybind11-pixelmatch')} (pixel diff), "
                          f"opencv-python-headless {cv2.__version__} (SSIM, PNG), "
                          f"numpy {np.__version__}"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    html = PAGE.read_text()
    with Renderer() as renderer:
        libraries = _libraries(renderer)
        cases: list[tuple[str, str, np.ndarray, bool]] = [
            ("render_compare_1280x800_same_page", html,
             renderer.render(html, 1280, 800).rgb, False)]
        real = SHARED_SCREENS / "sb-admin-login.png"
        if real.is_file():  # a hand-written clone of a real screenshot: a typical result
            cases.append(("render_compare_1280x800_clone_of_real_screenshot", html,
                          np.asarray(load_screenshot(real).image()), False))
        for height in (2800, 5600):  # a clone that got one card's colour wrong
            page = feed(height)
            original = renderer.render(feed(height, odd_one=4), 1280, height).rgb
            cases.append((f"render_compare_1280x{height}_full_page", page, original, True))
        bare = renderer._ensure_browser().new_context(viewport={"width": 1280, "height": 800})
        bare_page = bare.new_page()
        for name, page, original, full_page in cases:
            m = _measure(renderer, bare_page, page, original, args.runs, full_page)
            emit(name, median_ms(m.pop("ours")), "ms", median_ms(m.pop("reference")),
                 reference_is="bare Playwright set_content + screenshot, same page and browser"
                 + (", full page" if full_page else ""),
                 **m, runs=args.runs, target="median <= 250 ms and ratio <= 1.5", **libraries)
        bare.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
