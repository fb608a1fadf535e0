"""What each repair step gains, on pages written for it (tests/app/repair_pages.py): each page
is rendered to make the "screenshot", then a variant with a model's typical mistakes (misread
characters, colours a few units off, pictures left as grey boxes, or all three) is repaired
against it. The reference of each line is the variant's score before the step.

    python -m benchmarks.bench_repair [--json]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

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
                result = repair(renderer, shot, make(page), read_text=read_text)
                start = result.steps[0].before
                for step in result.steps:
                    emit("repair step", step.after if step.after is not None else step.before,
                         "similarity", step.before, lower_is_better=False, page=name,
                         variant=variant, step=step.name, kept=step.kept,
                         changes=len(step.changes))
                final = result.steps[-1].after if result.steps[-1].kept else \
                    result.steps[-1].before
                emit("repair", final, "similarity", start, lower_is_better=False, page=name,
                     variant=variant)
                rows.append((name, variant, start, {s.name: s for s in result.steps}, final))
    if args.table:
        print("\n| page | variant | before | text | images | colours | after |")
        print("|---|---|---|---|---|---|---|")
        for name, variant, start, steps, final in rows:
            cells = []
            for step_name in ("text", "images", "colours"):
                s = steps[step_name]
                cells.append("·" if s.after is None else
                             f"{s.after - s.before:+.3f}" + ("" if s.kept else " (undone)"))
            print(f"| {name} | {variant} | {start:.3f} | {' | '.join(cells)} | {final:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
