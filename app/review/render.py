"""Render untrusted HTML in headless Chromium at a screenshot's exact size.

The page is written into an about:blank window (an opaque origin that can't read the user's
files) with ShotClone's Content Security Policy as its first element; every request but
``data:``/``blob:`` is aborted and counted, and so is every attempt the policy refuses; dialogs are
dismissed and pop-ups refused; a page whose scripts run past the time budget is killed and
rendered again with scripts off. Below the page, the browser itself cannot reach any network
(``NO_NETWORK``). The browser stays warm between renders and is relaunched if it dies.

Every render starts from a clean window: writing a page into the old one would keep its
globals, so a script declaring a top-level ``let``/``const`` would fail on its second render and
leave the page blank. One DevTools call writes the page, waits for its load event, settles it
(animations to their end, carets hidden, fonts in) and brings its answers (the caller's DOM
read, its height, pop-ups, prefetch hints); the picture is DevTools' own screenshot, PNG
encoded for speed (lossless, about 2x the bytes, a third of the decoding time); then the page
leaves for a new about:blank document, a new window with nothing of the last page in it, which
the browser does while the caller compares: the next render finds the window already fresh (a
page that will not go is replaced). These calls have no timeout of their own: a watchdog holds
them to the budget and ends the browser if a page script never lets go. Only a full-page
original is captured as a full page; the PNG is decoded once (OpenCV, in a worker thread while
the page leaves); the browser's PNG is ``Rendered.png`` unless the picture had to be padded,
when it is encoded only if asked for.

Playwright's sync API is bound to the thread that started it: use a ``Renderer`` on one thread.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import logging
import math
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
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
# Animation-frame callbacks the page has asked for and not yet had are counted, so the picture
# waits for the frame that runs them (a transition started there is then settled like the rest).
_WATCH_SCRIPT = """(() => {
  window.open = () => {
    window.__shotclonePopups = (window.__shotclonePopups || 0) + 1; return null;
  };
  const frame = window.requestAnimationFrame.bind(window);
  let pending = 0;
  window.requestAnimationFrame = (callback) => {
    pending += 1;
    return frame((time) => { pending -= 1; callback(time); });
  };
  window.__shotcloneFrames = () => pending;
  window.__shotcloneNextFrame = () => new Promise((next) => frame(() => next()));
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
# Larger pages are refused at once: a model writes tens of kB, and a 100 MB page would keep the
# browser busy for minutes before failing anyway.
MAX_PAGE_BYTES = 20_000_000
CAPTURE_MS_PER_MEGAPIXEL = 1000  # the picture's own time, beyond the script budget
# One DevTools call writes the page into the fresh window (document.open/write/close and the
# load event, as Playwright's set_content does; a meta refresh, which would take the page away,
# is cancelled) and then, before the picture, does what Playwright's screenshot does with
# animations "disabled" and caret "hide" (finite animations and transitions jump to their end,
# endless ones are cancelled, text carets are transparent, in the document and its shadow
# roots), applies a pending autofocus (the browser does it at
# its next frame, which the picture may or may not follow) and waits for web fonts; then it
# brings the caller's READ (awaited if it is async), the pop-ups counted, the addresses of what
# the page asked the browser to fetch or connect to ahead of time (resource hints, speculation
# rules: the browser finds no network for them, and the policy reports none of them itself),
# the page's height in CSS pixels and the size Playwright's full-page screenshot would take.
# Playwright's set_content and screenshot each install a helper script in every new window
# first (~30 ms a render here). Written as _WRITE + the page as JSON + _SETTLE + READ + _ANSWER.
_WRITE = """(async () => {
  document.open();
  document.write("""
_SETTLE = """);
  document.close();
  if (document.readyState !== "complete")
    await new Promise((loaded) => addEventListener("load", loaded, {once: true}));
  // A meta refresh (no script needed) would take the page away once it has loaded: cancelled.
  if (document.querySelector("meta[http-equiv=refresh i]")) window.stop();
  const roots = [];
  const collect = (root) => {
    roots.push(root);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT);
    for (let node = walker.currentNode; node; node = walker.nextNode())
      if (node.shadowRoot) collect(node.shadowRoot);
  };
  collect(document);
  const settle = () => {
    for (const root of roots) for (const animation of root.getAnimations()) {
      if (!animation.effect || animation.playbackRate === 0) continue;
      try {
        if (Number.isFinite(animation.effect.getComputedTiming().endTime)) animation.finish();
        else animation.cancel();
      } catch {}
    }
  };
  for (const root of roots) {
    for (const field of root.querySelectorAll("input,textarea,[contenteditable]"))
      field.style.setProperty("caret-color", "transparent", "important");
    root.addEventListener("transitionrun", settle);
    root.addEventListener("animationstart", settle);
  }
  for (let i = 0; i < 2 && window.__shotcloneFrames && window.__shotcloneFrames() > 0; i++)
    await window.__shotcloneNextFrame();  // at most two: a page may ask for frames for ever
  settle();
  const autofocus = document.querySelector("[autofocus]");
  if (autofocus && document.activeElement === document.body) autofocus.focus();
  await document.fonts.ready;
  let read = null, error = null;
  try { read = await ("""
_ANSWER = """)(); } catch (e) { error = String(e && e.message || e); }
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
  const root = document.documentElement, body = document.body || root;
  const size = (side) => Math.max(body["scroll" + side], root["scroll" + side],
    body["offset" + side], root["offset" + side], body["client" + side], root["client" + side]);
  return {read, error, popups: window.__shotclonePopups || 0, hinted: urls,
          height: Math.max(root.scrollHeight, document.body ? document.body.scrollHeight : 0),
          full: {width: size("Width"), height: size("Height")}};
})()"""
_LEAVE = "location.replace('about:blank')"  # a new blank document: a new window, nothing kept
_RESET_WAIT_MS = 1000  # a page not blank by then is stuck in its scripts: it is replaced
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

    rgb: np.ndarray = field(repr=False, compare=False)  # the picture
    browser_png: bytes | None = field(default=None, repr=False, compare=False)  # when it is rgb
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

    @functools.cached_property
    def png(self) -> bytes:
        """The picture as PNG: the browser's own, or (padded) encoded when asked for."""
        if self.browser_png is not None:
            return self.browser_png
        ok, data = cv2.imencode(".png", cv2.cvtColor(self.rgb, cv2.COLOR_RGB2BGR),
                                [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if not ok:
            raise RenderFailed("Could not encode the render as PNG.")
        return data.tobytes()


def viewport_for(css_width: int, css_height: int) -> tuple[int, int, bool]:
    """(viewport width, height, full page?) for an original of this CSS size. An original much
    taller than a screen of its width is a full-page capture: render it with a screen-sized
    viewport and capture the whole page, so `100vh` means what it meant to the original."""
    desktop = css_width >= 800
    tallest = css_width * (DESKTOP_TALLEST if desktop else PHONE_TALLEST) * FULL_PAGE_SLACK
    if css_height > tallest:
        return css_width, round(css_width * (DESKTOP_VIEWPORT if desktop else PHONE_VIEWPORT)), True
    return css_width, css_height, False


def fit_to(rgb: np.ndarray, width: int, height: int,
           fill: tuple[int, int, int]) -> np.ndarray:
    """Crop or pad (at the right and bottom) to exactly width x height."""
    if rgb.shape[:2] == (height, width):
        return rgb
    out = np.empty((height, width, 3), np.uint8)
    out[:] = fill
    h, w = min(height, rgb.shape[0]), min(width, rgb.shape[1])
    out[:h, :w] = rgb[:h, :w]
    return out


# Decodes a picture while the page answers its questions (OpenCV lets go of the GIL).
_DECODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="png-decode")


def _decode(png: bytes) -> np.ndarray:
    """A PNG as an RGB array (OpenCV's decoder: about 1.5x Pillow's speed)."""
    bgr = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise RenderFailed("The browser returned a picture that could not be read.")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _browser_failed(error: Exception) -> RenderFailed:
    return RenderFailed(f"The browser failed to render the page: {str(error).splitlines()[0]}")


def _count(value: Any, default: float = 0) -> float:
    """A size or count the page answered, or ``default``: the page's scripts run before the
    call that asks, and one that replaced ``Math.max`` or the pop-up counter can answer a
    string, an object or a negative number."""
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return max(0.0, float(value))
    return default


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


_SPAWN_PATCH = threading.Lock()  # renderers on several threads may start drivers at once


def _start_playwright() -> Any:
    """Playwright with its driver (and so the browser) in a session of its own, as the model
    worker is: Ctrl+C in a terminal reaches ShotClone alone, which then finishes or stops its
    renders and closes the browser itself, instead of the driver dying under a render. The
    driver is started through asyncio's process spawner, patched for the start only; one
    thread at a time, so that two starts never patch over each other's patch."""
    import asyncio

    from playwright.sync_api import sync_playwright

    with _SPAWN_PATCH:
        spawn = asyncio.create_subprocess_exec

        async def in_own_session(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("start_new_session", True)
            return await spawn(*args, **kwargs)

        asyncio.create_subprocess_exec = in_own_session  # type: ignore[assignment]
        try:
            return sync_playwright().start()
        finally:
            asyncio.create_subprocess_exec = spawn  # type: ignore[assignment]


_driver = _Driver()
_log = logging.getLogger("shotclone.render")


def _browser_pid(browser: Any) -> int | None:
    """The browser's process id, which Playwright does not give: from the browser itself."""
    with contextlib.suppress(Exception):  # a browser that cannot say: no watchdog kill
        session = browser.new_browser_cdp_session()
        processes = session.send("SystemInfo.getProcessInfo")["processInfo"]
        session.detach()
        return next(int(p["id"]) for p in processes if p.get("type") == "browser")
    return None


class _Watchdog:
    """Holds calls into a page to a time: past it, the browser is ended (its process killed),
    which makes the waiting call fail at once, and the call raises ``TimeoutError``. A page
    script that never yields holds the page's thread, and a call waiting on that thread would
    otherwise wait for good; the renderer starts a new browser for its next page."""

    def __init__(self, browser_pid: int | None) -> None:
        self._pid = browser_pid

    @contextlib.contextmanager
    def hold(self, seconds: float) -> Iterator[None]:
        fired = threading.Event()
        timer = threading.Timer(seconds, self._end, (fired,))
        timer.daemon = True
        timer.start()
        late = f"The page held the browser past {seconds:g} s."
        try:
            yield
        except Exception as e:
            if fired.is_set():
                raise TimeoutError(late) from e
            raise
        finally:
            timer.cancel()
        if fired.is_set():  # the call came back just as the browser was ended
            raise TimeoutError(late)

    def _end(self, fired: threading.Event) -> None:
        fired.set()
        if self._pid is not None:
            with contextlib.suppress(OSError):  # already gone
                os.kill(self._pid, getattr(signal, "SIGKILL", signal.SIGTERM))


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
        self._stale: set[Any] = set()  # pages still holding a render, on their way to a blank one
        self._devtools: dict[Any, Any] = {}  # each page's DevTools session
        self._watchdog = _Watchdog(None)
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
        self._watchdog = _Watchdog(_browser_pid(self._browser))
        return self._browser

    def _page(self, width: int, height: int, dpr: float, scripts: bool) -> Any:
        key = (width, height, dpr, scripts)
        page = self._pages.get(key)
        if page is not None and not page.is_closed():
            return self._fresh_page(page, key)
        context = self._ensure_browser().new_context(
            viewport={"width": width, "height": height}, device_scale_factor=dpr,
            java_script_enabled=scripts, service_workers="block", accept_downloads=False)
        context.route("**/*", self._on_route)
        context.add_init_script(_WATCH_SCRIPT)
        page = context.new_page()
        page.on("dialog", self._on_dialog)
        page.on("popup", self._on_popup)
        page.on("console", self._on_console)
        page.on("framenavigated", lambda frame: self._on_navigated(page, frame))
        self._devtools[page] = context.new_cdp_session(page)
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

        ``read`` is a JavaScript function expression (``"() => ..."``, may be async) run in the
        page once it has settled, just before the picture, in the call that already asks the
        page for its height, pop-ups and hints: a DOM read costs its own run time and nothing
        more, and an async one is held to the script budget like the page. What it returns
        (JSON values) is ``Rendered.read``; if it throws, ``Rendered.read_error`` says why and
        the render itself still succeeds."""
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
        picture: Future[np.ndarray] | None = None
        after: dict[str, Any] = {}
        killed = False
        for attempt in range(2):
            try:
                shot, picture, after = self._capture(html, vw, vh, css_h, device_pixel_ratio,
                                                     scripts=True, full_page=full_page,
                                                     read=read)
                break
            except TimeoutError:
                killed = True
                self._forget_page(vw, vh, device_pixel_ratio, True)
                try:
                    shot, picture, after = self._capture(html, vw, vh, css_h,
                                                         device_pixel_ratio, scripts=False,
                                                         full_page=full_page, read=read)
                except TimeoutError as e:
                    self._forget_page(vw, vh, device_pixel_ratio, False)
                    raise RenderFailed(
                        f"The page is too heavy to render: even without its scripts it took "
                        f"over {self.config.script_budget_s:g} s to lay out and draw.") from e
                except Error as e:  # e.g. a page that refreshes itself away without a script
                    self._forget_page(vw, vh, device_pixel_ratio, False)
                    raise _browser_failed(e) from e
                break
            except Error as e:
                # The page or the whole browser died under us: replace it once, then give up.
                _log.warning("the browser failed a render (%s): %s", "giving up" if attempt
                             else "rendering again", str(e).splitlines()[0])
                if self._browser is not None and self._browser.is_connected():
                    self._forget_page(vw, vh, device_pixel_ratio, True)
                else:
                    self._drop_browser()
                if attempt:
                    raise _browser_failed(e) from e
                self._watch = _Watch()  # the page runs again: its dialogs are counted again
        assert shot is not None and picture is not None
        full = picture.result()  # at most the requested size
        fitted = fit_to(full, width, height, self.config.background)
        hinted = after.get("hinted")
        self._watch.blocked.extend(str(u) for u in (hinted if isinstance(hinted, list) else ()))
        blocked = tuple(dict.fromkeys(  # each address once, however often the page tried it
            u for u in self._watch.blocked if not u.startswith(("data:", "blob:"))))
        popups = self._watch.popups + round(_count(after.get("popups")))
        error = after.get("error")
        return Rendered(rgb=fitted, browser_png=shot if fitted is full else None,
                        width=width, height=height, read=after.get("read"),
                        read_error=None if error is None else str(error),
                        page_height=round(_count(after.get("height")) * device_pixel_ratio),
                        full_page=full_page, blocked_requests=blocked,
                        dialogs_dismissed=self._watch.dialogs, popups_blocked=popups,
                        scripts_killed=killed, seconds=time.monotonic() - started)

    def _capture(self, html: str, vw: int, vh: int, css_h: int, dpr: float, *, scripts: bool,
                 full_page: bool,
                 read: str | None) -> tuple[bytes, Future[np.ndarray], dict[str, Any]]:
        """The page's answers, then the picture of its top ``css_h`` CSS pixels (never more: a
        page 300,000 px tall costs no more than one the screenshot's height) and its decoding;
        then the page leaves for a blank one."""
        page = self._page(vw, vh, dpr, scripts)
        budget_s = self.config.script_budget_s
        # Straight DevTools calls have no timeout of their own: the watchdog holds them to the
        # budget, and a page script that never lets go ends the browser, not ShotClone.
        devtools = self._devtools[page]
        with self._watchdog.hold(budget_s):
            answer = devtools.send("Runtime.evaluate", {
                "expression": _WRITE + json.dumps(with_policy(html)) + _SETTLE
                + (read or "() => null") + _ANSWER,
                "awaitPromise": True, "returnByValue": True})
        after = answer["result"].get("value") or {}
        if "exceptionDetails" in answer:  # a read that does not parse, a page that broke
            # what the call uses: the picture is still taken
            after = {"error": answer["result"].get("description") or "the read failed"}
        full = after.get("full")
        full = full if isinstance(full, dict) else {}
        width = max(1, min(vw, int(_count(full.get("width"), vw))) if full_page else vw)
        height = max(1, min(css_h, int(_count(full.get("height"), css_h))) if full_page else css_h)
        # Drawing and encoding the picture takes time of its own, in proportion to its pixels:
        # a 49-megapixel screenshot on a busy machine must not count as a page too heavy. Only
        # the picture gets it: a page looping in its scripts is ended after the budget alone,
        # however large the original.
        capture_s = budget_s + CAPTURE_MS_PER_MEGAPIXEL / 1000 * width * height * dpr * dpr / 1e6
        with self._watchdog.hold(capture_s):
            shot = base64.b64decode(devtools.send("Page.captureScreenshot", {
                "format": "png", "optimizeForSpeed": True,  # lossless, a faster deflate
                "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": dpr},
                "captureBeyondViewport": full_page})["data"])
            picture = _DECODER.submit(_decode, shot)
            devtools.send("Runtime.evaluate", {"expression": _LEAVE})
        self._stale.add(page)
        return shot, picture, after

    def _on_navigated(self, page: Any, frame: Any) -> None:
        if frame == page.main_frame and frame.url == "about:blank":
            self._stale.discard(page)

    def _fresh_page(self, page: Any, key: tuple[int, int, float, bool]) -> Any:
        """``page`` once its last render is cleared away (it nearly always already is); a new
        page if the old one would not leave it in time."""
        from playwright.sync_api import Error

        if page in self._stale:
            with contextlib.suppress(Error):
                page.wait_for_event("framenavigated", timeout=_RESET_WAIT_MS,
                                    predicate=lambda f: f == page.main_frame
                                    and f.url == "about:blank")
        if page not in self._stale:
            return page
        self._forget_page(*key)
        return self._page(*key)

    def _forget_page(self, vw: int, vh: int, dpr: float, scripts: bool) -> None:
        page = self._pages.pop((vw, vh, dpr, scripts), None)
        self._stale.discard(page)
        self._devtools.pop(page, None)
        if page is not None:
            # Closing the context ends the renderer process stuck in the script; it may already
            # be gone, and either way it is dropped.
            with contextlib.suppress(Exception):
                page.context.close()

    def _drop_browser(self) -> None:
        self._pages.clear()
        self._stale.clear()
        self._devtools.clear()
        if self._browser is not None:
            with contextlib.suppress(Exception):  # a crashed browser cannot be closed cleanly
                self._browser.close()
            self._browser = None

    def close(self) -> None:
        self._drop_browser()
        if self._pw is not None:
            _driver.release()
            self._pw = None
