"""What each repair step gains, on pages written for it (tests/app/repair_pages.py): each page
is rendered to make the "screenshot", then a variant with a model's typical mistakes (misread
characters, colours a few units off, pictures left as grey boxes, or all three) is repaired
against it. The reference of each line is the variant's score before the step. Similarity
barely sees a colour a few units off (pixelmatch's threshold forgives it), so each case also
reports the mean colour error of the render: |render - screenshot| per channel, 0..255.

    python -m benchmarks.bench_repair [--json]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from app.intake import Screenshot
from app.page.repair import repair, text_reader
from app.review.render import Renderer
from benchmarks._report import emit
from tests.app.repair_pages import PAGE_SIZE, REAL_PAGES, boxed, misread, shift_colours

VARIANTS = {
    "misread": misread,
    "colours shifted": shift_colours,
    "images as boxes": boxed,
    "all three": lambda html: boxed(shift_colours(misread(html))),
}


def _colour_error(renderer: Renderer, shot: Screenshot, html: str) -> float:
    render = renderer.render(html, shot.width, shot.height).rgb.astype(np.int16)
    return float(np.abs(render - np.asarray(shot.image().convert("RGB"))).mean())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--table", action="store_true", help="also print a Markdown table")
    args = parser.parse_args(argv)
    read_text = text_reader()
    rows = []
    with Renderer() as renderer:
        for name, page in REAL_PAGES.items():
            w, h = PAGE_SIZE[name]
            shot = Screenshot(png=renderer.render(page, w, h).png, width=w, height=h)
            for variant, make in VARIANTS.items():
                variant_page = make(page)
                result = repair(renderer, shot, variant_page, read_text=read_text)
                start = result.steps[0].before
                error = [_colour_error(renderer, shot, p) for p in (variant_page, result.html)]
                for step in result.steps:
                    emit("repair step", step.after if step.after is not None else step.before,
                         "similarity", step.before, lower_is_better=False, page=name,
                         variant=variant, step=step.name, kept=step.kept,
                         changes=len(step.changes))
                final = result.steps[-1].after if result.steps[-1].kept else \
                    result.steps[-1].before
                emit("repair", final, "similarity", start, lower_is_better=False, page=name,
                     variant=variant, colour_error=round(error[1], 3),
                     colour_error_before=round(error[0], 3))
                rows.append((name, variant, start, {s.name: s for s in result.steps}, final,
                             error))
    if args.table:
        print("\n| page | variant | before | text | images | colours | after | colour error |")
        print("|---|---|---|---|---|---|---|---|")
        for name, variant, start, steps, final, error in rows:
            cells = []
            for step_name in ("text", "images", "colours"):
                s = steps[step_name]
                cells.append("·" if s.after is None else
                             f"{s.after - s.before:+.3f}" + ("" if s.kept else " (undone)"))
            print(f"| {name} | {variant} | {start:.3f} | {' | '.join(cells)} | {final:.3f} | "
                  f"{error[0]:.2f} → {error[1]:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
