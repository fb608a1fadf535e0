"""Edits a model answers with instead of a whole page: search/replace blocks on the current HTML,

    <<<<<<< SEARCH
    exact text of the current page
    =======
    what replaces it
    >>>>>>> REPLACE

applied exactly (each search text must occur once in the page) and all together or not at all.
An answer holding a complete page instead is taken as the new page. Anything else is refused
with the reason, and the page stays as it was.

Pictures in the page (data: URIs, often tens of kilobytes each) are shown to the model as short
stand-ins and put back afterwards, so an edit round costs tokens for the markup only."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup

from app.errors import BadInput
from app.page.html import clean_model_output, make_self_contained

SEARCH, DIVIDER, REPLACE = "<<<<<<< SEARCH", "=======", ">>>>>>> REPLACE"
_MARKER = re.compile(r"^[ \t]*(<{5,9} ?SEARCH|={5,9}|>{5,9} ?REPLACE)[ \t]*$", re.M)
_DATA_URI = re.compile(r"data:image/[\w.+-]+;base64,[A-Za-z0-9+/=]{200,}")
_STAND_IN = "data:image/png;base64,PICTURE-{n}"
_STAND_IN_RE = re.compile(r"data:image/png;base64,PICTURE-(\d+)")


class EditsRejected(BadInput):
    """The model's answer cannot be applied; ``str()`` says why. Nothing was changed."""


@dataclass(frozen=True, slots=True)
class Edit:
    search: str
    replace: str


@dataclass(frozen=True, kw_only=True)
class Applied:
    html: str
    edits: int  # 0 when the answer was a whole page
    summary: str


def parse_edits(answer: str) -> list[Edit]:
    """The search/replace blocks of an answer, in order; [] when it holds none at all. A block
    that is opened but not properly closed is an error, not skipped."""
    edits: list[Edit] = []
    state, search = "outside", ""
    lines: list[str] = []
    for line in answer.splitlines():
        m = _MARKER.match(line)
        kind = "" if m is None else "DIVIDER" if m.group(1)[0] == "=" else \
            m.group(1).strip("<> ")
        if state == "outside":
            if kind == "SEARCH":
                state, lines = "search", []
            elif kind == "REPLACE":  # a lone ======= is ordinary text (a CSS comment rule)
                raise EditsRejected(f"the answer has {line.strip()!r} outside an edit block")
        elif state == "search":
            if kind == "DIVIDER":
                state, search, lines = "replace", "\n".join(lines), []
            elif kind:
                raise EditsRejected(f"a SEARCH block ends with {line.strip()!r} before "
                                    f"{DIVIDER!r}")
            else:
                lines.append(line)
        elif kind == "REPLACE":
            if not search.strip():
                raise EditsRejected("a SEARCH block is empty: it must quote the page")
            edits.append(Edit(search, "\n".join(lines)))
            state = "outside"
        elif kind:
            raise EditsRejected(f"a replacement ends with {line.strip()!r} instead of "
                                f"{REPLACE!r}")
        else:
            lines.append(line)
    if state != "outside":
        raise EditsRejected("the answer stops inside an edit block (cut off?)")
    return edits


def _locate(html: str, search: str) -> tuple[int, str]:
    """Where ``search`` occurs once in the page, and the text it matched. Exact first; else with
    each line's trailing spaces ignored, which models often drop."""
    n = html.count(search)
    if n == 1:
        return html.index(search), search
    if n > 1:
        raise EditsRejected(f"the text to replace occurs {n} times in the page: "
                            f"{_quote(search)}; quote more of it")
    loose = r"[ \t]*\n".join(re.escape(line.rstrip()) for line in search.split("\n"))
    found = list(re.finditer(loose, html))
    if len(found) == 1:
        return found[0].start(), found[0].group(0)
    if len(found) > 1:
        raise EditsRejected(f"the text to replace occurs {len(found)} times in the page: "
                            f"{_quote(search)}; quote more of it")
    raise EditsRejected(f"the text to replace is not in the page: {_quote(search)}")


def _quote(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= limit else flat[: limit - 1] + "…")


def apply_edits(html: str, edits: list[Edit]) -> str:
    """Apply every edit to the page as it stands after the ones before, or raise
    ``EditsRejected`` and change nothing."""
    for edit in edits:
        at, matched = _locate(html, edit.search)
        html = html[:at] + edit.replace + html[at + len(matched):]
    return html


def shorten_pictures(html: str) -> tuple[str, list[str]]:
    """The page with each large data: URI replaced by a short numbered stand-in, and the URIs."""
    pictures: list[str] = []

    def stand_in(m: re.Match[str]) -> str:
        pictures.append(m.group(0))
        return _STAND_IN.format(n=len(pictures))

    return _DATA_URI.sub(stand_in, html), pictures


def restore_pictures(html: str, pictures: list[str]) -> str:
    def back(m: re.Match[str]) -> str:
        n = int(m.group(1))
        return pictures[n - 1] if 0 < n <= len(pictures) else m.group(0)

    return _STAND_IN_RE.sub(back, html)


def keep_self_contained(html: str) -> tuple[str, list[str]]:
    """The page unchanged when it fetches nothing, else with what it would fetch removed."""
    soup = BeautifulSoup(html, "html.parser")
    changes = make_self_contained(soup)
    return (str(soup) if changes else html), changes


def apply_answer(html: str, answer: str) -> Applied:
    """The page after the model's answer: its edits applied exactly, or the whole page it wrote.
    Raises ``EditsRejected`` (nothing changed) for anything else."""
    short, pictures = shorten_pictures(html)
    edits = parse_edits(answer)
    if edits:
        new = restore_pictures(apply_edits(short, edits), pictures)
        summary = f"{len(edits)} edit{'s' if len(edits) > 1 else ''}"
    else:
        page = clean_model_output(answer)
        if not page.found_html or "</html>" not in answer.lower():
            raise EditsRejected("the answer holds neither search/replace edits nor a "
                                "complete page")
        new, summary = restore_pictures(page.html, pictures), "a whole new page"
    if new == html:
        raise EditsRejected("the edits change nothing")
    new, removed = keep_self_contained(new)
    if removed:
        summary += f" ({'; '.join(removed)})"
    return Applied(html=new, edits=len(edits), summary=summary)
