"""The Content Security Policy every page carries: rendered pages and exported ones alike.

A page that needs no network (all ShotClone pages: inline CSS and scripts, data: images) looks
and works the same under it; everything else it could fetch, beacon, ping, frame or submit is
refused by the browser before a request exists."""

from __future__ import annotations

import html
import re

_SOURCES = "data: blob:"
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    f"script-src 'unsafe-inline' 'unsafe-eval' {_SOURCES}",
    f"style-src 'unsafe-inline' {_SOURCES}",
    f"img-src {_SOURCES}",
    f"font-src {_SOURCES}",
    f"media-src {_SOURCES}",
    f"frame-src {_SOURCES}",
    f"connect-src {_SOURCES}",
    "worker-src 'none'",
    "manifest-src 'none'",
    "object-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
])
POLICY_META = (f'<meta http-equiv="Content-Security-Policy" '
               f'content="{html.escape(CONTENT_SECURITY_POLICY, quote=True)}">')
# Whatever comes before the first element: a BOM, blank lines, comments and the doctype. A meta
# before the doctype would put the page in quirks mode; right after it, it precedes every tag.
_PROLOGUE = re.compile(r"\A\ufeff?\s*(?:<!--.*?-->\s*)*(?:<!doctype[^>]*>)?", re.I | re.S)


def with_policy(page: str) -> str:
    """``page`` with the policy as its very first element, so it holds from the first tag on.
    A policy the page brings itself can only narrow it further."""
    end = _PROLOGUE.match(page).end()  # type: ignore[union-attr]  # the pattern always matches
    return page[:end] + POLICY_META + page[end:]
