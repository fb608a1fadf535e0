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

from app.page.policy import CONTENT_SECURITY_POLICY, POLICY_META

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
# image-set() names its images as bare strings as well as url()s; one level of nesting (url(),
# type()) inside it is allowed for.
_CSS_IMAGE_SET = re.compile(r"(?:-webkit-)?image-set\((?:[^()]|\([^()]*\))*\)", re.I)
_CSS_STRING = re.compile(r"(['\"])(.*?)\1", re.S)
_CSS_IMPORT = re.compile(r"@import\s+[^;]+;?", re.I)
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}?", re.I)
_SIZE = re.compile(r"(?:^|;)\s*(width|height)\s*:\s*(\d+(?:\.\d+)?)px", re.I)
_SAFE_URL = ("data:", "blob:", "#", "about:blank")
# Attributes that make the browser fetch (or send) something by themselves. Links a user clicks
# (<a href>, <area href>) stay: following one is the user's choice, not the page's.
_FETCHING_ATTRS = ("src", "href", "xlink:href", "srcset", "imagesrcset", "poster", "data",
                   "background", "lowsrc", "dynsrc", "longdesc", "manifest", "codebase",
                   "archive", "ping", "action", "formaction", "icon", "profile")
_CLICKED_LINKS = ("a", "area")
_IMAGE_TAGS = ("img", "image", "feimage")
# SVG presentation attributes whose url() can name a resource in another document.
_SVG_URL_ATTRS = ("fill", "stroke", "filter", "mask", "clip-path", "marker-start", "marker-mid",
                  "marker-end", "cursor")
# What a script may use to reach the network; the page's Content Security Policy refuses them.
_SCRIPT_NETWORK = re.compile(r"\b(fetch|sendBeacon|XMLHttpRequest|WebSocket|EventSource|"
                             r"RTCPeerConnection|importScripts|new\s+Image)\b")

PLACEHOLDER_FILL = "#e5e7eb"
NO_HTML_FLAG = "shotclone-no-html"


@dataclass(frozen=True, kw_only=True)
class CleanHtml:
    html: str
    found_html: bool  # False: the model wrote no HTML; ``html`` is a page showing its text
    changes: tuple[str, ...] = field(default_factory=tuple)


def _is_safe(url: str) -> bool:
    return url.strip().lower().startswith(_SAFE_URL) or not url.strip()


def _srcset_is_safe(srcset: str) -> bool:
    """Every candidate of a srcset (``url 2x, url 640w``) is a data: or blob: URL. A data: URL
    holds commas, so candidates are told apart by their descriptors, not split on commas."""
    urls = re.findall(r"(?:^|,)\s*(\S+)", srcset)
    return all(_is_safe(u) or re.fullmatch(r"\d+(?:\.\d+)?[wx]", u) for u in urls)


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

    def image_set(m: re.Match[str]) -> str:
        inner = _CSS_URL.sub("", m.group(0))  # what remains names images by bare strings
        urls = [u for _, u in _CSS_URL.findall(m.group(0))]
        urls += [u for _, u in _CSS_STRING.findall(inner)]
        if all(_is_safe(u) for u in urls):
            return m.group(0)
        counts["CSS image"] += 1
        return f'url("{placeholder_uri(None, None)}")'

    def swap(m: re.Match[str]) -> str:
        if _is_safe(m.group(2)):
            return m.group(0)
        counts["CSS image"] += 1
        return f'url("{placeholder_uri(None, None)}")'

    return _CSS_URL.sub(swap, _CSS_IMAGE_SET.sub(image_set, css))


def _clean_attributes(soup: BeautifulSoup, counts: dict[str, int]) -> None:
    """Every attribute left that would fetch or send something: an image's address becomes a
    placeholder, a source set or an SVG paint server from elsewhere goes, and so does the rest."""
    for tag in soup.find_all(True):
        for name in [a for a in tag.attrs if a.lower() in _FETCHING_ATTRS]:
            value = str(tag.get(name, ""))
            if name.lower() in ("srcset", "imagesrcset"):
                if not _srcset_is_safe(value):
                    del tag[name]
                    counts["image source set"] += 1
            elif name.lower() == "ping" or not _is_safe(value):
                if name.lower() in ("href", "xlink:href") and tag.name in _CLICKED_LINKS:
                    continue
                if tag.name in _IMAGE_TAGS and name.lower() in ("src", "href", "xlink:href"):
                    tag[name] = placeholder_uri(*_declared_size(tag))
                    counts["image"] += 1
                    continue
                del tag[name]
                counts["ping" if name.lower() == "ping" else "form target" if "action" in
                       name.lower() else "other reference"] += 1
        for name in [a for a in tag.attrs if a.lower() in _SVG_URL_ATTRS]:
            refs = [u for _, u in _CSS_URL.findall(str(tag[name]))]
            if any(not _is_safe(u) for u in refs):
                tag[name] = "none"
                counts["SVG reference"] += 1


def _clean_srcdoc(soup: BeautifulSoup) -> list[str]:
    """A frame's inline document is a page of its own: clean it the same way, all the way down."""
    changes = []
    for tag in soup.find_all(srcdoc=True):
        inner = BeautifulSoup(str(tag["srcdoc"]), "html.parser")
        found = make_self_contained(inner)
        if found:
            tag["srcdoc"] = str(inner)
            changes += [f"in a frame's inline document: {c}" for c in found]
    return changes


def make_self_contained(soup: BeautifulSoup) -> list[str]:
    """Remove or replace everything that would make the browser request something."""
    counts = {k: 0 for k in ("stylesheet", "script", "image", "frame", "media", "web font",
                             "CSS @import", "CSS image", "other link", "speculation rule",
                             "image source set", "ping", "form target", "SVG reference",
                             "other reference")}
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
        elif str(tag.get("type", "")).lower() == "speculationrules":
            counts["speculation rule"] += 1
            tag.decompose()
    for tag in soup.find_all(["img", "input"]):
        src = str(tag.get("src", ""))
        if tag.name == "input" and tag.get("type") != "image":
            continue
        if src and not _is_safe(src):
            tag["src"] = placeholder_uri(*_declared_size(tag))
            counts["image"] += 1
    for tag in soup.find_all(["iframe", "frame", "object", "embed", "video", "audio", "source",
                              "track", "portal"]):
        urls = [str(tag[a]) for a in ("src", "data", "poster") if tag.get(a)]
        if any(not _is_safe(u) for u in urls) or tag.name in ("object", "embed", "portal"):
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
    for tag in soup.find_all("meta", attrs={"http-equiv": re.compile("refresh|link", re.I)}):
        tag.decompose()
        counts["other link"] += 1
    for tag in soup.find_all("style"):
        if tag.string is not None:
            tag.string.replace_with(_clean_css(str(tag.string), counts))
    for tag in soup.find_all(style=True):
        tag["style"] = _clean_css(str(tag["style"]), counts)
    _clean_attributes(soup, counts)
    changes = []
    for kind, n in counts.items():
        if n:
            noun = f"{n} external {kind}{'s' if n > 1 else ''}"
            replaced = kind in ("image", "CSS image", "frame", "media")
            changes.append(f"replaced {noun} with placeholders" if replaced else f"removed {noun}")
    calls = sorted({re.sub(r"\s+", " ", m.group(1)) for tag in soup.find_all("script")
                    for m in _SCRIPT_NETWORK.finditer(tag.string or "")})
    if calls:
        changes.append(f"a script uses {', '.join(calls)}: the page's Content Security Policy "
                       "refuses any request it makes")
    return changes + _clean_srcdoc(soup)


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
    if not head.find("meta", attrs={"content": CONTENT_SECURITY_POLICY}):
        head.insert(0, BeautifulSoup(POLICY_META, "html.parser").meta)
        changes.append("added a Content Security Policy that refuses every request")
    if not head.find("meta", charset=True):
        head.insert(1, soup.new_tag("meta", charset="utf-8"))
        changes.append("added <meta charset>")
    if not head.find("meta", attrs={"name": "viewport"}):
        head.insert(2, soup.new_tag("meta", attrs={
            "name": "viewport", "content": "width=device-width, initial-scale=1"}))
        changes.append("added the viewport <meta>")
    return changes


def _no_html_page(text: str) -> str:
    body = html_escape.escape(text.strip() or "(the model wrote nothing)")
    return ("<!DOCTYPE html>\n<html><head>" + POLICY_META + "<meta charset=\"utf-8\">"
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
