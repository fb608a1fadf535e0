"""Wording: where the page's text differs from the original's by a few characters (a model's
misreading: "Dashbaord", "$40,00O"), write the original's exact words. Only text nodes change;
tags, attributes and CSS are never touched, and text that matches no line of the original, or
differs from it by more than a misreading would, is left alone."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from html import escape, unescape

from app.page.source import pieces, splice

MIN_RATIO = 0.75  # difflib's similarity: lower than this is different text, not a misreading
MIN_CHARS = 3
_INVISIBLE = ("style", "script", "title", "noscript", "template", "textarea")


@dataclass(frozen=True, slots=True)
class Fix:
    was: str
    now: str


def _candidates(text: str, lines: list[str]) -> list[str]:
    """The lines of the original, two or three of them joined (a paragraph wraps), and each run
    of as many words as ``text`` has within a line (a text node is often part of one:
    'Welcome back,' before a bold name)."""
    n = len(text.split())
    joined = [" ".join(lines[i:i + k]) for k in (2, 3) for i in range(len(lines) - k + 1)]
    out = []
    for line in [*lines, *joined]:
        out.append(line)
        words = line.split()
        if len(words) > n:
            out += [" ".join(words[i:i + n]) for i in range(len(words) - n + 1)]
    return out


def without_spaces(text: str) -> str:
    """The text with every space left out, as OCR often reads it."""
    return "".join(text.split())


def closest_line(text: str, lines: list[str]) -> str | None:
    """The line (or run of words in one) that ``text`` most likely misreads, if any. Spaces
    are left out of the comparison: OCR often runs words together ("Booknow")."""
    best, best_ratio = None, MIN_RATIO
    solid = without_spaces(text)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(solid)
    for cand in _candidates(text, lines):
        cand_solid = without_spaces(cand)
        if abs(len(cand_solid) - len(solid)) > max(2, len(solid) // 4):
            continue
        matcher.set_seq1(cand_solid)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio or (ratio == best_ratio and best is None):
            best, best_ratio = cand, ratio
    return best


def respell(text: str, line: str) -> str:
    """``text`` with its letters made ``line``'s, its own spacing kept: only the characters
    that differ change ("Weekend in the Alsp" by "Weekend in theAlps": "Weekend in the Alps")."""
    where = [i for i, ch in enumerate(text) if not ch.isspace()]
    a, b = without_spaces(text), without_spaces(line)
    out = text
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in reversed(ops):  # from the end, so earlier offsets hold
        if tag == "equal":
            continue
        start = where[i1] if i1 < len(where) else len(text)
        end = where[i2 - 1] + 1 if i2 > i1 else start
        out = out[:start] + b[j1:j2] + out[end:]
    return out


def fix_wording(html: str, original_lines: list[str]) -> tuple[str, list[Fix]]:
    """The page with each text run that misreads a line of the original corrected, and the
    fixes. Every byte outside the corrected runs stays as it was."""
    lines = [" ".join(line.split()) for line in original_lines if line.strip()]
    fixes: list[Fix] = []
    changes = []
    for piece in pieces(html):
        if piece.kind != "text" or piece.name in _INVISIBLE:
            continue
        raw = html[piece.start:piece.end]
        text = " ".join(unescape(raw).split())
        if len(text) < MIN_CHARS or text in lines:
            continue
        found = closest_line(text, lines)
        now = respell(text, found) if found is not None else text
        if now.lower() == text.lower():
            continue  # a case difference is CSS's text-transform more often than a misreading
        lead, trail = raw[: len(raw) - len(raw.lstrip())], raw[len(raw.rstrip()):]
        changes.append((piece.start, piece.end, lead + escape(now, quote=False) + trail))
        fixes.append(Fix(text, now))
    return splice(html, changes), fixes
