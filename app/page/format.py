"""HTML laid out for reading: one block-level tag a line, indented, and CSS one rule and one
declaration a line. Only whitespace beside block boundaries changes (which a browser does not
draw), never text, attributes or the insides of <pre>, <textarea> and <script>."""

from __future__ import annotations

import re

INDENT = "  "
BLOCK = frozenset({
    "html", "head", "body", "title", "meta", "link", "style", "script", "base", "noscript",
    "template", "div", "section", "header", "footer", "nav", "main", "article", "aside", "address",
    "hgroup", "search", "h1", "h2", "h3", "h4", "h5", "h6", "p", "blockquote", "figure",
    "figcaption", "hr", "ul", "ol", "li", "dl", "dt", "dd", "menu", "table", "caption", "colgroup",
    "col", "thead", "tbody", "tfoot", "tr", "td", "th", "form", "fieldset", "legend", "details",
    "summary", "dialog"
})  # (svg, img, canvas, video and iframe are inline: a space beside them would show)
VOID = frozenset({
    "meta", "link", "base", "hr", "col", "br", "img", "input", "source", "track", "wbr", "area",
    "embed"
})
VERBATIM = frozenset(["pre", "textarea", "script"])  # contents kept exactly as they are
_TOKEN = re.compile(r"<!--.*?-->|<![^>]*>|<\?[^>]*>|</?[A-Za-z][^>]*>", re.DOTALL)
_NAME = re.compile(r"</?([A-Za-z][\w-]*)")


def _name(tag: str) -> str:
    m = _NAME.match(tag)
    return m.group(1).lower() if m else ""


def format_css(css: str, depth: int = 0) -> str:
    """One rule and one declaration a line; strings, comments and url(...) kept whole."""
    out: list[str] = []
    line = ""
    level = depth
    i, n = 0, len(css)
    paren = 0

    def newline() -> None:
        nonlocal line
        if line.strip():
            out.append(INDENT * level + line.strip())
        line = ""

    while i < n:
        c = css[i]
        if c in "\"'":
            end = i + 1
            while end < n and css[end] != c:
                end += 2 if css[end] == "\\" else 1
            line += css[i:end + 1]
            i = end + 1
            continue
        if css.startswith("/*", i):
            end = css.find("*/", i + 2)
            end = n if end < 0 else end + 2
            line += css[i:end]
            i = end
            continue
        if c == "(":
            paren += 1
        elif c == ")":
            paren = max(0, paren - 1)
        if paren == 0 and c == "{":
            line = line.rstrip() + " {"
            newline()
            level += 1
        elif paren == 0 and c == "}":
            newline()
            level = max(depth, level - 1)
            line = "}"
            newline()
        elif paren == 0 and c == ";":
            line += ";"
            newline()
        else:
            line += c
        i += 1
    newline()
    return "\n".join(out)


def format_html(html: str) -> str:
    """``html`` indented for reading; a browser draws the result as it draws ``html``."""
    out: list[str] = []
    line = ""
    depth = 0
    pos = 0

    def newline() -> None:
        """End the line: the whitespace at its ends borders a block, so it is not drawn."""
        nonlocal line
        if line.strip():
            out.append(INDENT * depth + line.strip())
        line = ""

    while pos < len(html):
        m = _TOKEN.search(html, pos)
        line += html[pos:m.start()] if m else html[pos:]
        if m is None:
            break
        tag = m.group(0)
        pos = m.end()
        name = _name(tag)
        closing = tag.startswith("</")
        if name in VERBATIM and not closing:
            end = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(html, pos)
            stop = end.start() if end else len(html)
            body, close = html[pos:stop], (end.group(0) if end else "")
            pos = end.end() if end else len(html)
            if name in BLOCK:
                newline()
            line += tag + body + close
            if name in BLOCK:
                newline()
            continue
        if name == "style" and not closing:
            end = re.compile(r"</style\s*>", re.IGNORECASE).search(html, pos)
            stop = end.start() if end else len(html)
            newline()
            out.append(INDENT * depth + tag)
            css = format_css(html[pos:stop], depth + 1)
            out.extend(css.splitlines())
            if end:
                out.append(INDENT * depth + end.group(0))
            pos = end.end() if end else len(html)
            continue
        block = name in BLOCK or tag.startswith(("<!", "<?"))
        if not block:
            line += tag
            continue
        newline()
        if closing:
            depth = max(0, depth - 1)
            line = tag
            newline()
            continue
        line = tag
        newline()
        if name not in VOID and not tag.endswith("/>") and not tag.startswith(("<!", "<?")):
            depth += 1
    newline()
    return "\n".join(_short_blocks_on_one_line(out)) + "\n"


def _short_blocks_on_one_line(lines: list[str]) -> list[str]:
    """<li>\n  text\n</li> -> <li>text</li>: a block holding no other block reads best whole."""
    joined: list[str] = []
    i = 0
    while i < len(lines):
        opening = lines[i].strip()
        name = _name(opening)
        indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
        closes = f"{indent}</{name}"
        if name in BLOCK and name not in VOID | {"style"} and not opening.startswith("</"):
            if i + 1 < len(lines) and lines[i + 1].startswith(closes):
                joined.append(lines[i] + lines[i + 1].strip())
                i += 2
                continue
            if i + 2 < len(lines) and lines[i + 2].startswith(closes) \
                    and _name(lines[i + 1].strip()) not in BLOCK:
                joined.append(lines[i] + lines[i + 1].strip() + lines[i + 2].strip())
                i += 3
                continue
        joined.append(lines[i])
        i += 1
    return joined
