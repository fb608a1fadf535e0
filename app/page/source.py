"""Where things are in a page's source: its text runs, start tags and stylesheets, by offset, so
a repair can change exactly those characters and leave every other byte as it was (a parser's
re-serialisation would rewrite the whole page)."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


@dataclass(frozen=True, slots=True)
class Piece:
    kind: Literal["text", "tag", "css"]  # a run of text, a start tag, a <style>'s contents
    start: int
    end: int
    name: str  # the tag's name; for text and css, the element they are in


class _Scanner(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=False)
        self.html = html
        self.line_starts = [0]
        for i, ch in enumerate(html):
            if ch == "\n":
                self.line_starts.append(i + 1)
        self.pieces: list[Piece] = []
        self.stack: list[str] = []
        self.text_start: int | None = None

    def _here(self) -> int:
        line, col = self.getpos()
        return self.line_starts[line - 1] + col

    def _flush(self, end: int) -> None:
        if self.text_start is not None and end > self.text_start:
            self.pieces.append(Piece("text", self.text_start, end, self._parent()))
        self.text_start = None

    def _parent(self) -> str:
        return self.stack[-1] if self.stack else ""

    def handle_starttag(self, tag: str, attrs: object) -> None:
        at = self._here()
        self._flush(at)
        raw = self.get_starttag_text() or ""
        self.pieces.append(Piece("tag", at, at + len(raw), tag))
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: object) -> None:
        at = self._here()
        self._flush(at)
        raw = self.get_starttag_text() or ""
        self.pieces.append(Piece("tag", at, at + len(raw), tag))

    def handle_endtag(self, tag: str) -> None:
        self._flush(self._here())
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._parent() in ("style", "script"):
            at = self._here()
            if self._parent() == "style":
                self.pieces.append(Piece("css", at, at + len(data), "style"))
            return
        if self.text_start is None:
            self.text_start = self._here()

    def handle_entityref(self, name: str) -> None:
        self.handle_data("&")

    def handle_charref(self, name: str) -> None:
        self.handle_data("&")

    def _other(self, *args: object) -> None:
        self._flush(self._here())

    handle_comment = handle_decl = handle_pi = unknown_decl = _other  # type: ignore[assignment]


def pieces(html: str) -> list[Piece]:
    """The page's text runs, start tags and stylesheets, in order."""
    scanner = _Scanner(html)
    scanner.feed(html)
    scanner.close()
    scanner._flush(len(html))
    return scanner.pieces


def splice(html: str, changes: list[tuple[int, int, str]]) -> str:
    """``html`` with each (start, end) span replaced by its text; spans must not overlap."""
    out, last = [], 0
    for start, end, text in sorted(changes):
        out += [html[last:start], text]
        last = end
    out.append(html[last:])
    return "".join(out)
