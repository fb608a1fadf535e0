"""Render + compare of a 1280x800 screenshot with a warm browser, against a bare Playwright
``set_content`` + ``screenshot`` of the same page in the same browser, in the same run.

    python -m benchmarks.bench_render [--runs 30]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence

import numpy as np

from app.intake import load_screenshot
from app.review.compare import compare
from app.review.render import Renderer
from benchmarks._report import ROOT, SHARED_SCREENS, emit, median_ms

PAGE = ROOT / "benchmarks" / "pages" / "login.html"


def _measure(renderer: Renderer, bare_page: object, html: str, original: np.ndarray,
             runs: int) -> tuple[list[float], list[float], list[float], float]:
    ours, reference, compares = [], [], []
    similarity = 0.0
    for i in range(runs + 3):  # interleaved; the first 3 rounds warm up
        t = time.perf_counter()
        bare_page.set_content(html, wait_until="load")  # type: ignore[attr-defined]
        bare_page.screenshot()  # type: ignore[attr-defined]
        t_ref = time.perf_counter() - t
        t = time.perf_counter()
        rendered = renderer.render(html, original.shape[1], original.shape[0])
        t_render = time.perf_counter() - t
        similarity = compare(original, rendered.rgb).similarity
        t_all = time.perf_counter() - t
        if i >= 3:
            reference.append(t_ref)
            ours.append(t_all)
            compares.append(t_all - t_render)
    return ours, reference, compares, similarity


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    html = PAGE.read_text()
    with Renderer() as renderer:
        cases = {"same_page": renderer.render(html, 1280, 800).rgb}  # a clone that is perfect
        real = SHARED_SCREENS / "sb-admin-login.png"
        if real.is_file():  # a hand-written clone of a real screenshot: a typical result
            cases["clone_of_real_screenshot"] = np.asarray(load_screenshot(real).image())
        bare = renderer._ensure_browser().new_context(viewport={"width": 1280, "height": 800})
        bare_page = bare.new_page()
        for name, original in cases.items():
            ours, reference, compares, similarity = _measure(renderer, bare_page, html,
                                                             original, args.runs)
            emit(f"render_compare_1280x800_{name}", median_ms(ours), "ms", median_ms(reference),
                 reference_is="bare Playwright set_content + screenshot, same page and browser",
                 compare_ms=round(median_ms(compares), 1), similarity=round(similarity, 4),
                 runs=args.runs, target="median <= 250 ms and ratio <= 1.5")
        bare.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
