"""The text-block stage's costs, each against a reference taken in the same run:

- OCR of each 1280x800 screenshot in ../shared/screens (the engine already loaded, the cache
  bypassed), with how many of its known strings it finds, against Debian's Tesseract 5 on the
  same picture when `tesseract` is installed (the engine this one was chosen over);
- the DOM read a render does for the clone's blocks (a page of about 2,000 words), against the
  same render without it, and its own run time in the page;
- matching and scoring the blocks of a real screenshot against a clone.

    python -m benchmarks.bench_text [--runs 20]
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import time
from collections.abc import Sequence

import numpy as np
from PIL import Image

from app.review import ocr
from app.review.render import Renderer
from app.review.review import page_blocks
from app.review.textblocks import DOM_WORDS_JS, group_lines
from app.review.textscores import score_blocks
from benchmarks._report import SHARED_SCREENS, emit, median_ms
from tests.app.screen_texts import KNOWN, found
from tests.app.variants import PRICING


def _tesseract(rgb: np.ndarray) -> tuple[float, str]:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG", compress_level=1)
    t = time.perf_counter()
    out = subprocess.run(["tesseract", "stdin", "stdout", "--psm", "11"], input=buf.getvalue(),
                         capture_output=True, check=True).stdout.decode("utf-8", "replace")
    return time.perf_counter() - t, out


def bench_ocr() -> None:
    tesseract = shutil.which("tesseract")
    if not ocr._engine.available():  # loads the models first: a one-off, not per screenshot
        print("no OCR engine installed (scripts/setup.sh installs it): OCR not measured")
        return
    ours, theirs, hits, their_hits, total = [], [], 0, 0, 0
    for name, strings in KNOWN.items():
        path = SHARED_SCREENS / name
        if not path.is_file():
            continue
        rgb = np.asarray(Image.open(path).convert("RGB"))
        if rgb.shape[:2] != (800, 1280):
            continue
        t = time.perf_counter()
        blocks = group_lines(ocr._engine.lines(rgb))
        ours.append(time.perf_counter() - t)
        hits += len(found(" ".join(b.text for b in blocks), strings))
        total += len(strings)
        if tesseract:
            seconds, text = _tesseract(rgb)
            theirs.append(seconds)
            their_hits += len(found(text, strings))
    if not ours:
        print("no 1280x800 screenshots in ../shared/screens: OCR not measured")
        return
    emit("ocr_1280x800", median_ms(ours), "ms", median_ms(theirs) if theirs else None,
         reference_is="tesseract 5 --psm 11 on the same picture" if theirs else None,
         screenshots=len(ours), known_strings_found=f"{hits}/{total}",
         reference_found=f"{their_hits}/{total}" if theirs else None,
         slowest_ms=round(max(ours) * 1000, 1))


_TIMED_READ = ("() => { const t = performance.now(); (" + DOM_WORDS_JS
               + ")(); return performance.now() - t; }")


def bench_dom_read(runs: int) -> None:
    # the pricing page, with a 200-row table under it: about 2,000 words
    rows = "".join(f"<tr><td>Order {i}</td><td>Customer number {i * 7}</td><td>${i * 3}.00"
                   "</td><td>shipped on time</td></tr>" for i in range(200))
    html = PRICING.replace("</footer>", f"</footer><table>{rows}</table>")
    with Renderer() as renderer:
        plain, reading, in_page = [], [], []
        for i in range(runs + 3):  # interleaved; the first 3 rounds warm up
            t = time.perf_counter()
            renderer.render(html, 1280, 800)
            t_plain = time.perf_counter() - t
            t = time.perf_counter()
            rendered = renderer.render(html, 1280, 800, read=DOM_WORDS_JS)
            blocks = page_blocks(rendered)
            t_read = time.perf_counter() - t
            # the read's own run time in the page, without the round trip that i15's render
            # shares with its pop-up count and page reset
            timed = renderer.render(html, 1280, 800, read=_TIMED_READ).read
            if i >= 3:
                plain.append(t_plain)
                reading.append(t_read)
                in_page.append(float(timed) / 1000)
        emit("render_with_dom_read_1280x800", median_ms(reading), "ms", median_ms(plain),
             reference_is="the same render without the DOM read",
             added_ms=round(median_ms(reading) - median_ms(plain), 1),
             read_in_page_ms=round(median_ms(in_page), 2),
             blocks=len(blocks or []), runs=runs, target="added_ms <= 10")


def bench_scoring(runs: int) -> None:
    path = SHARED_SCREENS / "sb-admin-dashboard.png"
    if not path.is_file():
        return
    original = ocr.ocr_blocks(np.asarray(Image.open(path).convert("RGB")))
    clone = [b for i, b in enumerate(original) if i % 3]  # a clone missing a third of its text
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        score_blocks(original, clone, (1280, 800))
        times.append(time.perf_counter() - t)
    emit("score_blocks_dashboard", median_ms(times), "ms", blocks=len(original), runs=runs)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    bench_ocr()
    bench_dom_read(args.runs)
    bench_scoring(args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
