"""Render untrusted HTML in headless Chromium at a screenshot's exact size.

The page is set with ``set_content`` (an opaque about:blank origin that can't read the user's
files); every request but ``data:``/``blob:`` is aborted and counted; dialogs are dismissed and
pop-ups refused; a page whose scripts run past the time budget is killed and rendered again with
scripts off. The browser stays warm between renders and is relaunched if it dies.

Playwright's sync API is bound to the thread that started it: use a ``Renderer`` on one thread.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from app.errors import RenderFailed
from app.review.browser import find_browser

_FLAGS = ["--disable-gpu", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--no-first-run", "--disable-default-apps", "--mute-audio",
          "--disable-dev-shm-usage", "--hide-scrollbars"]
_NO_POPUPS = ("window.open = () => { window.__shotclonePopups = "
              "(window.__shotclonePopups || 0) + 1; return null; };")
_FILE_BLOCKED = "Not allowed to load local resource:"
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
            from playwright.sync_api import sync_playwright

            self.playwright = sync_playwright().start()
        self.users += 1
        return self.playwright

    def release(self) -> None:
        self.users -= 1
        if self.users == 0 and self.playwright is not None:
            self.playwright.stop()
            self.playwright = None


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
        flags = [*_FLAGS, *(["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0
                            else [])]
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
        context.add_init_script(_NO_POPUPS)
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
        if message.text.startswith(_FILE_BLOCKED):
            self._watch.blocked.append(message.text.removeprefix(_FILE_BLOCKED).strip())

    def render(self, html: str, width: int, height: int,
               device_pixel_ratio: float = 1.0) -> Rendered:
        """Render ``html`` to a PNG of exactly ``width`` x ``height`` physical pixels."""
        from playwright.sync_api import Error

        started = time.monotonic()
        self._watch = _Watch()
        css_w, css_h = round(width / device_pixel_ratio), round(height / device_pixel_ratio)
        vw, vh, full_page = viewport_for(css_w, css_h)
        shot: bytes | None = None
        killed = False
        for attempt in range(2):
            try:
                shot = self._capture(html, vw, vh, device_pixel_ratio, scripts=True)
                break
            except TimeoutError:
                killed = True
                self._forget_page(vw, vh, device_pixel_ratio, True)
                shot = self._capture(html, vw, vh, device_pixel_ratio, scripts=False)
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
        full = Image.open(io.BytesIO(shot)).convert("RGB")
        fitted = fit_to(full, width, height, self.config.background)
        if fitted is not full:  # the browser's own PNG is kept when its size is already right
            out = io.BytesIO()
            fitted.save(out, "PNG", compress_level=1)
            shot = out.getvalue()
        popups = self._watch.popups + self._popups_counted(vw, vh, device_pixel_ratio, killed)
        return Rendered(png=shot, rgb=np.asarray(fitted), width=width, height=height,
                        page_height=full.height,
                        full_page=full_page, blocked_requests=tuple(self._watch.blocked),
                        dialogs_dismissed=self._watch.dialogs, popups_blocked=popups,
                        scripts_killed=killed, seconds=time.monotonic() - started)

    def _capture(self, html: str, vw: int, vh: int, dpr: float, *, scripts: bool) -> bytes:
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        page = self._page(vw, vh, dpr, scripts)
        budget_ms = self.config.script_budget_s * 1000
        try:
            page.set_content(html, wait_until="load", timeout=budget_ms)
            return page.screenshot(full_page=True, animations="disabled", caret="hide",
                                   timeout=budget_ms)
        except PlaywrightTimeout as e:
            raise TimeoutError(str(e)) from e

    def _popups_counted(self, vw: int, vh: int, dpr: float, killed: bool) -> int:
        if killed:
            return 0
        page = self._pages.get((vw, vh, dpr, True))
        return int(page.evaluate("window.__shotclonePopups || 0")) if page else 0

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
