"""Render untrusted HTML in headless Chromium at a screenshot's exact size.

The page is set with ``set_content`` (an opaque about:blank origin that can't read the user's
files) with ShotClone's Content Security Policy as its first element; every request but
``data:``/``blob:`` is aborted and counted, and so is every attempt the policy refuses; dialogs are
dismissed and pop-ups refused; a page whose scripts run past the time budget is killed and
rendered again with scripts off. Below the page, the browser itself cannot reach any network
(``NO_NETWORK``). The browser stays warm between renders and is relaunched if it dies.

Playwright's sync API is bound to the thread that started it: use a ``Renderer`` on one thread.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from app.errors import RenderFailed
from app.page.policy import with_policy
from app.review.browser import find_browser

_FLAGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--no-first-run", "--disable-default-apps", "--mute-audio",
          "--disable-dev-shm-usage", "--hide-scrollbars"]
# What a page slips past the request router (beacons, keepalive fetches, pings, prefetches,
# WebSockets, WebRTC, the browser's own preconnects and DNS lookups) still finds no network:
# every host name and address resolves to nothing, loopback included, so no socket is opened;
# the proxy that every scheme must use (loopback not exempt) is never reachable for the same
# reason; WebRTC may use UDP only through that proxy; no DNS prefetching, no pings.
NO_NETWORK = [
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",  # older Chrome's name for it
    "--dns-prefetch-disable",
]  # (no --disable-features here: the last one given wins, and it would undo Playwright's own)
_BLOCKED_MARK = "shotclone-blocked "
# Run in every frame before the page's own scripts: pop-ups are refused and counted, and the ICE
# servers a page gives WebRTC are reported (the network flags already keep WebRTC off the wire).
_WATCH_SCRIPT = """(() => {
  window.open = () => {
    window.__shotclonePopups = (window.__shotclonePopups || 0) + 1; return null;
  };
  const report = console.debug.bind(console), PC = window.RTCPeerConnection;
  if (!PC) return;
  const servers = (config) => {
    for (const s of (config && config.iceServers) || [])
      for (const url of [].concat(s.urls || s.url || [])) report("MARK" + url);
  };
  const Watched = function (config, ...rest) { servers(config); return new PC(config, ...rest); };
  Watched.prototype = PC.prototype;
  const setConfiguration = PC.prototype.setConfiguration;
  PC.prototype.setConfiguration = function (config) {
    servers(config); return setConfiguration.call(this, config);
  };
  window.RTCPeerConnection = window.webkitRTCPeerConnection = Watched;
})();""".replace("MARK", _BLOCKED_MARK)
# The page's full height in CSS pixels, as Playwright measures it for a full-page picture.
_PAGE_HEIGHT = """() => Math.max(document.documentElement.scrollHeight,
                                 document.body ? document.body.scrollHeight : 0)"""
# Larger pages are refused at once: a model writes tens of kB, and a 100 MB page would keep the
# browser busy for minutes before failing anyway.
MAX_PAGE_BYTES = 20_000_000
# After the load, in the page: pop-ups counted, and the addresses of what the page asked the
# browser to fetch or connect to ahead of time (resource hints, speculation rules). The browser
# finds no network for them, and the policy reports none of them itself.
_AFTER_LOAD = """() => {
  const urls = [...document.querySelectorAll(
      "link[rel~=prefetch i], link[rel~=prerender i], link[rel~=preconnect i], "
      + "link[rel~=dns-prefetch i], link[rel~=modulepreload i], link[rel~=preload i]")]
    .map((link) => link.href);
  for (const script of document.querySelectorAll("script[type=speculationrules i]")) {
    try {
      const rules = JSON.parse(script.textContent);
      for (const kind of ["prefetch", "prerender"])
        for (const rule of rules[kind] || []) urls.push(...(rule.urls || []));
    } catch { urls.push("speculation rules (unreadable)"); }
  }
  return { popups: window.__shotclonePopups || 0, hinted: urls };
}"""
_FILE_BLOCKED = "Not allowed to load local resource:"
# Chromium's console line for each thing the policy refused: "Connecting to 'URL' violates the
# following Content Security Policy directive ..." (older: "Refused to connect to 'URL' because
# it violates ..."), and the like for images, frames, forms and every other kind of load.
_POLICY_REFUSED = re.compile(r"'([^']*)'(?: because it)? violates the following Content Security")
# A desktop screen is at most 4:3 and usually 16:10; a phone is about 390 x 844 CSS px. An
# original well taller than that is a full-page capture, made with a screen-sized viewport.
DESKTOP_TALLEST, DESKTOP_VIEWPORT = 3 / 4, 10 / 16
PHONE_TALLEST = PHONE_VIEWPORT = 844 / 390
FULL_PAGE_SLACK = 1.15


@dataclass(frozen=True, kw_only=True)
class RenderConfig:
    script_budget_s: float = 5.0  # how long a page may take to load and draw
    background: tuple[int, int, int] = (255, 255, 255)  # fills a page shorter than the original


@dataclass(frozen=True, kw_only=True)
class Rendered:
    """A render of exactly the requested pixel size, and what happened on the way."""

    png: bytes
    rgb: np.ndarray = field(repr=False, compare=False)  # the same picture, decoded
    read: Any = None  # what the caller's ``read`` script returned (JSON values)
    read_error: str | None = None  # why that script failed, if it did
    width: int
    height: int
    page_height: int  # the page's own full height, in physical pixels
    full_page: bool
    blocked_requests: tuple[str, ...] = ()
    dialogs_dismissed: int = 0
    popups_blocked: int = 0
    scripts_killed: bool = False
    seconds: float = 0.0

    @property
    def overrun(self) -> int:
        """Pixels the page runs past the original (> 0) or falls short of it (< 0)."""
        return self.page_height - self.height

    def image(self) -> Image.Image:
        return Image.fromarray(self.rgb)


def viewport_for(css_width: int, css_height: int) -> tuple[int, int, bool]:
    """(viewport width, height, full page?) for an original of this CSS size. An original much
    taller than a screen of its width is a full-page capture: render it with a screen-sized
    viewport and capture the whole page, so `100vh` means what it meant to the original."""
    desktop = css_width >= 800
    tallest = css_width * (DESKTOP_TALLEST if desktop else PHONE_TALLEST) * FULL_PAGE_SLACK
    if css_height > tallest:
        return css_width, round(css_width * (DESKTOP_VIEWPORT if desktop else PHONE_VIEWPORT)), True
    return css_width, css_height, False


def fit_to(img: Image.Image, width: int, height: int,
           fill: tuple[int, int, int]) -> Image.Image:
    """Crop or pad (at the right and bottom) to exactly width x height."""
    if img.size == (width, height):
        return img
    out = Image.new("RGB", (width, height), fill)
    out.paste(img.crop((0, 0, min(width, img.width), min(height, img.height))), (0, 0))
    return out


class _Driver(threading.local):
    """Playwright's sync API allows one running instance per thread: the renderers of a thread
    share it, and the last one to close stops it."""

    playwright: Any = None
    users: int = 0

    def acquire(self) -> Any:
        if self.playwright is None:
            try:
                self.playwright = _start_playwright()
            except Exception as e:  # the driver died starting (killed, or node missing)
                raise RenderFailed(f"Could not start Playwright's driver: "
                                   f"{str(e).splitlines()[0]}") from e
        self.users += 1
        return self.playwright

    def release(self) -> None:
        self.users -= 1
        if self.users == 0 and self.playwright is not None:
            with contextlib.suppress(Exception):  # a driver that died cannot be stopped cleanly
                self.playwright.stop()
            self.playwright = None


def _start_playwright() -> Any:
    """Playwright with its driver (and so the browser) in a session of its own, as the model
    worker is: Ctrl+C in a terminal reaches ShotClone alone, which then finishes or stops its
    renders and closes the browser itself, instead of the driver dying under a render."""
    import asyncio

    from playwright.sync_api import sync_playwright

    spawn = asyncio.create_subprocess_exec

    async def in_own_session(*args: Any, **kwargs: Any) -> Any:
        return await spawn(*args, start_new_session=True, **kwargs)

    asyncio.create_subprocess_exec = in_own_session  # type: ignore[assignment]
    try:
        return sync_playwright().start()
    finally:
        asyncio.create_subprocess_exec = spawn  # type: ignore[assignment]


_driver = _Driver()


@dataclass
class _Watch:
    """What one render's page tried to do."""

    blocked: list[str] = field(default_factory=list)
    dialogs: int = 0
    popups: int = 0


class Renderer:
    """A warm headless Chromium. Use from one thread; ``close()`` (or ``with``) when done."""

    def __init__(self, config: RenderConfig | None = None,
                 browser_path: Path | None = None) -> None:
        self.config = config or RenderConfig()
        self._browser_path = browser_path
        self._pw: Any = None
        self._browser: Any = None
        self._pages: dict[tuple[int, int, float, bool], Any] = {}
        self._watch = _Watch()
        self.launches = 0

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ensure_browser(self) -> Any:
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        self._drop_browser()
        path = self._browser_path or find_browser()
        from playwright.sync_api import Error

        if self._pw is None:
            self._pw = _driver.acquire()
        flags = [*_FLAGS, *NO_NETWORK,
                 *(["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])]
        try:
            self._browser = self._pw.chromium.launch(executable_path=str(path), args=flags,
                                                     headless=True)
        except Error as e:
            raise RenderFailed(f"Could not start the browser at {path}: "
                               f"{str(e).splitlines()[0]}. Set SHOTCLONE_BROWSER to another "
                               "Chromium-based browser.") from e
        self.launches += 1
        return self._browser

    def _page(self, width: int, height: int, dpr: float, scripts: bool) -> Any:
        key = (width, height, dpr, scripts)
        page = self._pages.get(key)
        if page is not None and not page.is_closed():
            return page
        context = self._ensure_browser().new_context(
            viewport={"width": width, "height": height}, device_scale_factor=dpr,
            java_script_enabled=scripts, service_workers="block", accept_downloads=False)
        context.route("**/*", self._on_route)
        context.add_init_script(_WATCH_SCRIPT)
        page = context.new_page()
        page.on("dialog", self._on_dialog)
        page.on("popup", self._on_popup)
        page.on("console", self._on_console)
        self._pages[key] = page
        return page

    def _on_route(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self._watch.blocked.append(url)
            route.abort("blockedbyclient")

    def _on_dialog(self, dialog: Any) -> None:
        self._watch.dialogs += 1
        dialog.dismiss()

    def _on_popup(self, popup: Any) -> None:
        self._watch.popups += 1
        popup.close()

    def _on_console(self, message: Any) -> None:
        text = message.text
        if text.startswith(_BLOCKED_MARK):
            self._watch.blocked.append(text.removeprefix(_BLOCKED_MARK))
        elif text.startswith(_FILE_BLOCKED):
            self._watch.blocked.append(text.removeprefix(_FILE_BLOCKED).strip())
        elif refused := _POLICY_REFUSED.search(text):
            self._watch.blocked.append(refused.group(1))

    def render(self, html: str, width: int, height: int, device_pixel_ratio: float = 1.0,
               *, read: str | None = None) -> Rendered:
        """Render ``html`` to a PNG of exactly ``width`` x ``height`` physical pixels.

        ``read`` is a JavaScript function expression run in the page right after the picture
        (a DOM read); what it returns is ``Rendered.read``, or why it failed ``read_error``."""
        from playwright.sync_api import Error

        started = time.monotonic()
        size = len(html.encode("utf-8", errors="replace"))
        if size > MAX_PAGE_BYTES:
            raise RenderFailed(f"The page is {size / 1e6:.0f} MB; ShotClone renders pages of up "
                               f"to {MAX_PAGE_BYTES / 1e6:.0f} MB.")
        self._watch = _Watch()
        css_w, css_h = round(width / device_pixel_ratio), round(height / device_pixel_ratio)
        vw, vh, full_page = viewport_for(css_w, css_h)
        shot: bytes | None = None
        page_css_height = 0
        killed = False
        for attempt in range(2):
            try:
                shot, page_css_height = self._capture(html, vw, vh, css_h, device_pixel_ratio,
                                                      scripts=True)
                break
            except TimeoutError:
                killed = True
                self._forget_page(vw, vh, device_pixel_ratio, True)
                try:
                    shot, page_css_height = self._capture(html, vw, vh, css_h,
                                                          device_pixel_ratio, scripts=False)
                except TimeoutError as e:
                    self._forget_page(vw, vh, device_pixel_ratio, False)
                    raise RenderFailed(
                        f"The page is too heavy to render: even without its scripts it took "
                        f"over {self.config.script_budget_s:g} s to lay out and draw.") from e
                break
            except Error as e:
                # The page or the whole browser died under us: replace it once, then give up.
                if self._browser is not None and self._browser.is_connected():
                    self._forget_page(vw, vh, device_pixel_ratio, True)
                else:
                    self._drop_browser()
                if attempt:
                    raise RenderFailed(f"The browser failed to render the page: "
                                       f"{str(e).splitlines()[0]}") from e
        assert shot is not None
        full = Image.open(io.BytesIO(shot)).convert("RGB")  # at most the requested size
        fitted = fit_to(full, width, height, self.config.background)
        if fitted is not full:  # the browser's own PNG is kept when its size is already right
            out = io.BytesIO()
            fitted.save(out, "PNG", compress_level=1)
            shot = out.getvalue()
        popups = self._watch.popups + self._after_load(vw, vh, device_pixel_ratio, killed)
        after = self._read(vw, vh, device_pixel_ratio, not killed, read)
        blocked = tuple(dict.fromkeys(  # each address once, however often the page tried it
            u for u in self._watch.blocked if not u.startswith(("data:", "blob:"))))
        return Rendered(png=shot, rgb=np.asarray(fitted), width=width, height=height,
                        read=after.get("read"), read_error=after.get("error"),
                        page_height=round(page_css_height * device_pixel_ratio),
                        full_page=full_page, blocked_requests=blocked,
                        dialogs_dismissed=self._watch.dialogs, popups_blocked=popups,
                        scripts_killed=killed, seconds=time.monotonic() - started)

    def _capture(self, html: str, vw: int, vh: int, css_h: int, dpr: float, *,
                 scripts: bool) -> tuple[bytes, int]:
        """The picture of the page's top ``css_h`` CSS pixels (never more: a page 300,000 px
        tall costs no more than one the screenshot's height), and the page's own height."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        page = self._page(vw, vh, dpr, scripts)
        budget_ms = self.config.script_budget_s * 1000
        try:
            page.set_content(with_policy(html), wait_until="load", timeout=budget_ms)
            shot = page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": vw,
                                                         "height": css_h},
                                   animations="disabled", caret="hide", timeout=budget_ms)
        except PlaywrightTimeout as e:
            raise TimeoutError(str(e)) from e
        return shot, int(page.evaluate(_PAGE_HEIGHT))

    def _after_load(self, vw: int, vh: int, dpr: float, killed: bool) -> int:
        """Pop-ups the page's scripts tried; its prefetch hints join the blocked requests."""
        page = None if killed else self._pages.get((vw, vh, dpr, True))
        if page is None:
            return 0
        seen = page.evaluate(_AFTER_LOAD)
        self._watch.blocked.extend(str(u) for u in seen["hinted"])
        return int(seen["popups"])

    def _read(self, vw: int, vh: int, dpr: float, scripts: bool,
              read: str | None) -> dict[str, Any]:
        """The caller's read of the page just pictured (its DOM as drawn)."""
        from playwright.sync_api import Error

        page = self._pages.get((vw, vh, dpr, scripts))
        if read is None or page is None:
            return {}
        try:
            return {"read": page.evaluate(read)}
        except Error as e:  # the page broke what the read relies on: the picture still stands
            return {"error": str(e).splitlines()[0]}

    def _forget_page(self, vw: int, vh: int, dpr: float, scripts: bool) -> None:
        page = self._pages.pop((vw, vh, dpr, scripts), None)
        if page is not None:
            # Closing the context ends the renderer process stuck in the script; it may already
            # be gone, and either way it is dropped.
            with contextlib.suppress(Exception):
                page.context.close()

    def _drop_browser(self) -> None:
        self._pages.clear()
        if self._browser is not None:
            with contextlib.suppress(Exception):  # a crashed browser cannot be closed cleanly
                self._browser.close()
            self._browser = None

    def close(self) -> None:
        self._drop_browser()
        if self._pw is not None:
            _driver.release()
            self._pw = None
