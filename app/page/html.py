"""From what a model really writes to one self-contained HTML page.

``clean_model_output`` finds the document in chatty, fenced, truncated or thinking-laden output,
repairs what max-tokens cut off, adds what every page needs, and strips everything that would
make the browser fetch something. Each step says what it changed."""

from __future__ import annotations

import html as html_escape
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from bs4 import BeautifulSoup, Doctype, Tag

_THINKING = [
    re.compile(r"<think>.*?(?:</think>|$)", re.S | re.I),
    re.compile(r"<\|channel>.*?(?:<channel\|>|$)", re.S),  # Gemma 4 thought channel
    re.compile(r"<\|channel\|>analysis<\|message\|>.*?(?:<\|end\|>|$)", re.S),  # gpt-oss
    re.compile(r"<\|?(?:im_end|end_of_turn|eot_id|turn\|>|endoftext)\|?>"),  # stray specials
]
_FENCE = re.compile(r"^[ \t]*```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:^[ \t]*```[ \t]*$|\Z)", re.S | re.M)
_DOC_START = re.compile(r"<!doctype\s+html|<html[\s>]", re.I)
_DOC_END = re.compile(r"</html\s*>", re.I)
_ANY_TAG = re.compile(r"<(?:head|body|div|main|section|article|aside|header|footer|nav|style|"
                      r"table|form|h[1-6]|p|ul|ol|li|img|span|a|button|input|label|svg)[\s>/]",
                      re.I)
_OPEN_TAG_AT_END = re.compile(r"<[/!a-zA-Z][^<>]*\Z")
_RAW_TEXT = ("style", "script", "title", "textarea")  # a parser drops these when left open
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
_CSS_IMPORT = re.compile(r"@import\s+[^;]+;?", re.I)
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}?", re.I)
_SIZE = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*(\d+(?:\.\d+)?)px", re.I)
_SAFE_URL = ("data:", "blob:", "#", "about:blank")

PLACEHOLDER_FILL = "#e5e7eb"
NO_HTML_FLAG = "shotclone-no-html"


@dataclass(frozen=True, kw_only=True)
class CleanHtml:
    html: str
    found_html: bool  # False: the model wrote no HTML; ``html`` is a page showing its text
    changes: tuple[str, ...] = field(default_factory=tuple)


def _is_safe(url: str) -> bool:
    return url.strip().lower().startswith(_SAFE_URL) or not url.strip()


def placeholder_uri(width: int | None, height: int | None) -> str:
    """A grey SVG image, of the given size when known, as a data: URI."""
    w, h = width or 150, height or 100
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}">'
           f'<rect width="100%" height="100%" fill="{PLACEHOLDER_FILL}"/></svg>')
    return "data:image/svg+xml," + quote(svg)


def strip_thinking(text: str) -> tuple[str, list[str]]:
    changes = []
    for pattern in _THINKING:
        text, n = pattern.subn("", text)
        if n and pattern is not _THINKING[-1]:
            changes.append("removed the model's thinking")
    return text, changes


def extract_document(text: str) -> tuple[str | None, list[str]]:
    """Find the HTML in a model's answer. Returns (html or None, what was done)."""
    text, changes = strip_thinking(text)
    blocks = [(lang.lower(), body) for lang, body in _FENCE.findall(text)]
    if not blocks:
        blocks = [("", text)]  # no fences: the answer itself, prose and all
    docs, css = [], []
    for lang, body in blocks:
        start = _DOC_START.search(body)
        if start:
            docs.append(body[start.start():])
        elif lang == "css":
            css.append(body)
        elif lang in ("html", "") and _ANY_TAG.search(body):
            docs.append(body[_ANY_TAG.search(body).start():])  # type: ignore[union-attr]
    if not docs:
        return None, changes
    complete = [d for d in docs if _DOC_END.search(d)]
    chosen = complete[-1] if complete else max(docs, key=len)
    if len(docs) > 1:
        changes.append(f"the answer held {len(docs)} HTML documents; used document "
                       f"{docs.index(chosen) + 1}, the last complete one")
    ends = list(_DOC_END.finditer(chosen))
    if ends and chosen[ends[-1].end():].strip():
        chosen = chosen[: ends[-1].end()]
        changes.append("dropped the text after </html>")
    if css and "<style" not in chosen.lower():
        style = "<style>\n" + "\n".join(css) + "\n</style>"
        chosen = re.sub(r"</head\s*>", style + "</head>", chosen, count=1, flags=re.I) \
            if re.search(r"</head\s*>", chosen, re.I) else style + chosen
        changes.append("moved a separate CSS block into a <style> element")
    return chosen, changes


def _balance_css(css: str) -> tuple[str, bool]:
    """Close a comment, string-free braces and a declaration cut off mid-way."""
    fixed = css
    if fixed.count("/*") > fixed.count("*/"):
        fixed += "*/"
    depth = fixed.count("{") - fixed.count("}")
    if depth > 0:
        fixed = fixed.rstrip() + "\n" + "}" * depth
    return fixed, fixed != css


def repair_truncated(doc: str) -> tuple[str, list[str]]:
    """Text-level repairs that an HTML parser cannot make: a tag or comment cut off mid-way."""
    changes = []
    if _DOC_END.search(doc) is None:
        changes.append("the answer was cut off before </html>; closed the open elements"
                       if _DOC_START.match(doc) else "wrapped an HTML fragment in a document")
    cut = _OPEN_TAG_AT_END.search(doc)
    if cut and not doc[cut.start():].startswith("<!--"):
        doc = doc[: cut.start()]
        changes.append("dropped a tag that was cut off mid-way")
    if doc.rfind("<!--") > doc.rfind("-->"):
        doc += "-->"
        changes.append("closed an unterminated comment")
    for name in _RAW_TEXT:
        opened = [m.end() for m in re.finditer(rf"<{name}[\s>]", doc, re.I)]
        if opened and not re.search(rf"</{name}\s*>", doc[opened[-1]:], re.I):
            doc += f"</{name}>"
    return doc, changes


def _declared_size(tag: Tag) -> tuple[int | None, int | None]:
    dims: dict[str, int] = {}
    for name in ("width", "height"):
        value = str(tag.get(name, "")).removesuffix("px")
        if value.isdigit():
            dims[name] = int(value)
    for name, value in _SIZE.findall(str(tag.get("style", ""))):
        dims.setdefault(name.lower(), round(float(value)))
    return dims.get("width"), dims.get("height")


def _clean_css(css: str, counts: dict[str, int]) -> str:
    css, n = _FONT_FACE.subn("", css)
    counts["web font"] += n
    css, n = _CSS_IMPORT.subn("", css)
    counts["CSS @import"] += n

    def swap(m: re.Match[str]) -> str:
        if _is_safe(m.group(2)):
            return m.group(0)
        counts["CSS image"] += 1
        return f'url("{placeholder_uri(None, None)}")'

    return _CSS_URL.sub(swap, css)


def make_self_contained(soup: BeautifulSoup) -> list[str]:
    """Remove or replace everything that would make the browser request something."""
    counts = {k: 0 for k in ("stylesheet", "script", "image", "frame", "media", "web font",
                             "CSS @import", "CSS image", "other link")}
    for tag in soup.find_all("link"):
        href = str(tag.get("href", ""))
        if _is_safe(href):
            continue
        rel = " ".join(tag.get("rel") or []).lower()
        counts["stylesheet" if "stylesheet" in rel else "other link"] += 1
        tag.decompose()
    for tag in soup.find_all(["script"]):
        if tag.get("src") and not _is_safe(str(tag["src"])):
            counts["script"] += 1
            tag.decompose()
    for tag in soup.find_all(["img", "input"]):
        src = str(tag.get("src", ""))
        if tag.name == "input" and tag.get("type") != "image":
            continue
        if tag.get("srcset"):
            del tag["srcset"]
        if src and not _is_safe(src):
            tag["src"] = placeholder_uri(*_declared_size(tag))
            counts["image"] += 1
    for tag in soup.find_all(["iframe", "frame", "object", "embed", "video", "audio", "source",
                              "track", "portal"]):
        url = str(tag.get("src") or tag.get("data") or tag.get("poster") or "")
        if (url and not _is_safe(url)) or tag.name in ("object", "embed", "portal"):
            counts["frame" if "frame" in tag.name else "media"] += 1
            if tag.name in ("source", "track"):
                tag.decompose()
                continue
            w, h = _declared_size(tag)
            tag.replace_with(soup.new_tag("div", style=f"width:{w or 300}px;height:{h or 150}px;"
                                                       f"background:{PLACEHOLDER_FILL}"))
    for tag in soup.find_all(["base"]):
        tag.decompose()
        counts["other link"] += 1
    for tag in soup.find_all("meta", attrs={"http-equiv": re.compile("refresh", re.I)}):
        tag.decompose()
        counts["other link"] += 1
    for tag in soup.find_all("style"):
        if tag.string is not None:
            tag.string.replace_with(_clean_css(str(tag.string), counts))
    for tag in soup.find_all(style=True):
        tag["style"] = _clean_css(str(tag["style"]), counts)
    changes = []
    for kind, n in counts.items():
        if n:
            noun = f"{n} external {kind}{'s' if n > 1 else ''}"
            replaced = kind in ("image", "CSS image", "frame", "media")
            changes.append(f"replaced {noun} with placeholders" if replaced else f"removed {noun}")
    return changes


def _ensure_head(soup: BeautifulSoup) -> list[str]:
    changes = []
    root = soup.find("html")
    if root is None:
        root = soup.new_tag("html")
        for child in list(soup.contents):
            if not isinstance(child, Doctype):
                root.append(child.extract())
        soup.append(root)
    head = soup.find("head")
    if head is None:
        head = soup.new_tag("head")
        root.insert(0, head)
    body = soup.find("body")
    if body is None:
        body = soup.new_tag("body")
        for child in list(root.contents):
            if child is not head and not (isinstance(child, Tag) and child.name in
                                          ("style", "meta", "title", "link")):
                body.append(child.extract())
            elif child is not head:
                head.append(child.extract())
        root.append(body)
    if not head.find("meta", charset=True):
        head.insert(0, soup.new_tag("meta", charset="utf-8"))
        changes.append("added <meta charset>")
    if not head.find("meta", attrs={"name": "viewport"}):
        head.insert(1, soup.new_tag("meta", attrs={
            "name": "viewport", "content": "width=device-width, initial-scale=1"}))
        changes.append("added the viewport <meta>")
    return changes


def _no_html_page(text: str) -> str:
    body = html_escape.escape(text.strip() or "(the model wrote nothing)")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<meta name=\"{NO_HTML_FLAG}\" content=\"the model wrote no HTML\">"
            "<title>No HTML in the model's answer</title></head>\n<body>"
            "<p style=\"font:600 16px system-ui,sans-serif;color:#b91c1c\">The model's answer "
            "held no HTML. Its text is kept below.</p>\n"
            f"<pre style=\"white-space:pre-wrap;font:13px monospace\">{body}</pre>"
            "</body></html>\n")


def clean_model_output(text: str) -> CleanHtml:
    """The whole HTML stage: extract, repair, complete, make self-contained."""
    doc, changes = extract_document(text)
    if doc is None:
        return CleanHtml(html=_no_html_page(text), found_html=False,
                         changes=(*changes, "the answer held no HTML; kept its text in a page"))
    doc, repaired = repair_truncated(doc)
    changes += repaired
    soup = BeautifulSoup(doc, "html.parser")
    for tag in soup.find_all("style"):
        if tag.string is not None:
            css, changed = _balance_css(str(tag.string))
            if changed:
                tag.string.replace_with(css)
                changes.append("closed CSS rules that were cut off")
    changes += _ensure_head(soup)
    changes += make_self_contained(soup)
    for item in list(soup.contents):
        if isinstance(item, Doctype):
            item.extract()
    if not re.match(r"\s*<!doctype", doc, re.I):
        changes.append("added <!DOCTYPE html>")
    return CleanHtml(html="<!DOCTYPE html>\n" + str(soup).strip() + "\n", found_html=True,
                     changes=tuple(changes))
