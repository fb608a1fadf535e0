"""What `shotclone bench` leaves: one folder per page (the clone, its render, heatmap and
scores.json, written last, so a page with scores is done), and over all of them bench.csv,
bench.json and report.html, a single self-contained file with every page's original, clone
and heatmap side by side under the means. The report is written from what is on disk, at the
end and when a run is stopped, so Ctrl+C leaves a valid one and a resumed run completes it."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from pathlib import Path
from typing import Any

from PIL import Image

from app.outputs.files import write_atomic

PAGES = "pages"
SCORES, ERROR = "scores.json", "error.json"
SCORE_COLUMNS = ("similarity", "block", "text", "position", "colour", "visual", "ssim",
                 "pixel_mismatch")
REFERENCE_COLUMNS = tuple(f"reference_{c}" for c in SCORE_COLUMNS[:5])  # visual: the same
RUN_COLUMNS = ("prompt_tokens", "image_tokens", "completion_tokens", "ttft_s", "decode_tps",
               "total_s", "render_ms", "finish_reason")
COLUMNS = ("page", *SCORE_COLUMNS, *REFERENCE_COLUMNS, *RUN_COLUMNS, "error")
_THUMB_WIDTH = 420


def page_dir(out: Path, image: Path) -> Path:
    return out / PAGES / image.stem


def is_done(out: Path, image: Path) -> bool:
    return (page_dir(out, image) / SCORES).is_file()


def record_error(out: Path, image: Path, message: str) -> None:
    write_atomic(page_dir(out, image) / ERROR, json.dumps({"error": message}) + "\n",
                 overwrite=True)


def _row(name: str, folder: Path) -> dict[str, Any] | None:
    try:
        if (folder / SCORES).is_file():
            scores = json.loads((folder / SCORES).read_text(encoding="utf-8"))
        elif (folder / ERROR).is_file():
            return {"page": name, **json.loads((folder / ERROR).read_text(encoding="utf-8"))}
        else:
            return None
    except (OSError, ValueError):
        return {"page": name, "error": "its results could not be read"}
    generation = scores.get("generation", {})
    reference = scores.get("reference", {})
    return {"page": name, **{c: scores.get(c) for c in SCORE_COLUMNS},
            **{f"reference_{c}": reference.get(c) for c in SCORE_COLUMNS[:5]},
            **{c: generation.get(c) for c in RUN_COLUMNS},
            "render_ms": scores.get("render_ms"), "finish_reason": scores.get("finish_reason"),
            "error": None}


def rows(out: Path, images: list[Path]) -> list[dict[str, Any]]:
    """One row per page that finished or failed, in the folder's order."""
    found = [_row(img.name, page_dir(out, img)) for img in images]
    return [r for r in found if r is not None]


def means(table: list[dict[str, Any]]) -> dict[str, float]:
    out = {}
    for column in (*SCORE_COLUMNS, *REFERENCE_COLUMNS, *RUN_COLUMNS[:-1]):
        values = [r[column] for r in table if isinstance(r.get(column), int | float)]
        if values:
            out[column] = round(sum(values) / len(values), 4)
    return out


def _data_uri(path: Path) -> str:
    """A picture as a small JPEG data: URI, so the report needs no other file."""
    try:
        with Image.open(path) as img:
            img = img.convert("RGB")
            if img.width > _THUMB_WIDTH:
                img = img.resize((_THUMB_WIDTH, max(1, round(img.height * _THUMB_WIDTH
                                                             / img.width))), Image.LANCZOS)
            buf = io.BytesIO()
            img.save(buf, "JPEG", quality=82)
    except OSError:
        return ""
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    return html.escape(str(value))


_STYLE = """body{font:14px system-ui,sans-serif;margin:24px;color:#111827;background:#f9fafb}
table{border-collapse:collapse;margin:12px 0}td,th{padding:4px 8px;border:1px solid #e5e7eb;
text-align:right}th{background:#f3f4f6}td:first-child,th:first-child{text-align:left}
.page{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px;margin:16px 0}
.pics{display:flex;gap:12px}.pics figure{margin:0}figcaption{color:#6b7280;font-size:12px}
img{border:1px solid #d1d5db;max-width:420px}.error{color:#b91c1c}"""


def _html(table: list[dict[str, Any]], out: Path, images: list[Path],
          summary: dict[str, Any]) -> str:
    by_name = {img.name: img for img in images}
    shown = [c for c in COLUMNS[1:-1] if any(r.get(c) is not None for r in table)]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ("", *shown))
    mean = summary["means"]
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>shotclone bench</title>"
             f"<style>{_STYLE}</style></head><body><h1>shotclone bench</h1>",
             f"<p>{summary['done']} of {summary['pages']} pages scored, {summary['failed']} "
             f"failed{'; stopped before the end' if summary['stopped'] else ''}.</p>",
             f"<table><tr>{head}</tr><tr><td>mean</td>"
             + "".join(f"<td>{_cell(mean.get(c))}</td>" for c in shown) + "</tr></table>"]
    for r in table:
        folder = page_dir(out, by_name[r["page"]]) if r["page"] in by_name else None
        parts.append(f"<section class='page'><h2>{html.escape(r['page'])}</h2>")
        if r.get("error"):
            parts.append(f"<p class='error'>{html.escape(str(r['error']))}</p></section>")
            continue
        parts.append(f"<table><tr>{head}</tr><tr><td></td>"
                     + "".join(f"<td>{_cell(r.get(c))}</td>" for c in shown) + "</tr></table>")
        pictures = [("original", by_name.get(r["page"])),
                    ("clone", folder / "render.png" if folder else None),
                    ("differences", folder / "diff.png" if folder else None)]
        parts.append("<div class='pics'>" + "".join(
            f"<figure><img alt='{name}' src='{_data_uri(path)}'><figcaption>{name}"
            "</figcaption></figure>" for name, path in pictures if path is not None)
            + "</div></section>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_bench_report(out: Path, images: list[Path], stopped: bool = False) -> list[Path]:
    """bench.csv, bench.json and report.html from the pages done so far."""
    table = rows(out, images)
    summary = {"pages": len(images), "done": sum(1 for r in table if not r.get("error")),
               "failed": sum(1 for r in table if r.get("error")), "stopped": stopped,
               "means": means(table)}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(table)
    return [write_atomic(out / "bench.csv", buf.getvalue(), overwrite=True),
            write_atomic(out / "bench.json", json.dumps({**summary, "rows": table}, indent=2)
                         + "\n", overwrite=True),
            write_atomic(out / "report.html", _html(table, out, images, summary),
                         overwrite=True)]
