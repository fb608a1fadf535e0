"""Real headless Chromium: sizes, HiDPI, full pages, the sandbox, recovery."""

import asyncio
import io
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.errors import BrowserMissing, RenderFailed
from app.intake import load_screenshot
from app.review.browser import find_browser
from app.review.render import RenderConfig, Renderer, viewport_for
from tests.app.pages import CALENDAR, card


def px(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_render_has_exactly_the_requested_size(renderer: Renderer) -> None:
    for w, h in [(1280, 800), (641, 399), (200, 1200)]:
        out = renderer.render(card(), w, h)
        assert Image.open(io.BytesIO(out.png)).size == (w, h)


def test_same_page_twice_is_pixel_identical(renderer: Renderer) -> None:
    a, b = renderer.render(card(), 800, 500), renderer.render(card(), 800, 500)
    assert np.array_equal(px(a.png), px(b.png))


def test_every_render_starts_from_a_clean_page(renderer: Renderer) -> None:
    """A script with top-level let/const renders the same three times in one Renderer; a
    reused window would refuse the redeclarations and leave the page blank."""
    shots = [renderer.render(CALENDAR, 800, 500, read="() => window.rendersSeen")]
    warm = list(renderer._pages.values())
    shots += [renderer.render(CALENDAR, 800, 500, read="() => window.rendersSeen")
              for _ in range(2)]
    assert list(renderer._pages.values()) == warm  # cleared ahead, not replaced: costs nothing
    first = px(shots[0].png)
    assert (first[..., 1] < 120).sum() > 1000  # the red title bar and today's outline: drawn
    for shot in shots:
        assert np.array_equal(px(shot.png), first)
        assert shot.read == 1  # no global of an earlier render survives
    other = renderer.render(card(), 800, 500)  # and another page after it is untouched by it
    assert np.array_equal(px(other.png), px(renderer.render(card(), 800, 500).png))


def test_read_runs_in_the_rendered_page(renderer: Renderer) -> None:
    out = renderer.render(card(), 800, 500, read="""async () => {
        const note = document.querySelector('.note');
        const box = note.getBoundingClientRect();
        return {text: note.textContent, left: box.left, colour: getComputedStyle(note).color};
    }""")
    assert out.read == {"text": "Earnings $40,000", "left": 400, "colour": "rgb(58, 59, 69)"}
    assert out.read_error is None
    broken = renderer.render(card(), 800, 500, read="() => { throw new Error('no blocks') }")
    assert broken.read is None and broken.read_error == "no blocks"
    assert broken.width == 800  # the picture is still there


def test_a_read_that_never_answers_is_held_to_the_budget() -> None:
    with Renderer(RenderConfig(script_budget_s=1.0)) as r:
        started = time.monotonic()
        with pytest.raises(RenderFailed, match="too heavy"):  # with scripts and without
            r.render(card(), 400, 300, read="() => new Promise(() => {})")
        assert time.monotonic() - started < 20
        again = r.render(card(), 400, 300, read="async () => document.title.length >= 0")
        assert again.read is True  # and the renderer goes on working


def test_hidpi_renders_css_pixels_at_physical_size(renderer: Renderer) -> None:
    page = ("<body style='margin:0'><div style='width:195px;height:40px;background:red'></div>"
            "<div style='width:100vw;height:40px;background:blue'></div></body>")
    out = renderer.render(page, 780, 1688, device_pixel_ratio=2)
    a = px(out.png)
    assert a.shape == (1688, 780, 3)
    red = (a[..., 0] > 200) & (a[..., 2] < 50)
    assert red[:80].sum(axis=1).max() == 390  # 195 CSS px at 2x
    assert red[80:].sum() == 0 and red.sum() == 390 * 80
    blue = (a[..., 2] > 200) & (a[..., 0] < 50)
    assert blue[80:160].all()  # 100vw = 390 CSS px = the whole 780 px width


def test_hidpi_real_screenshot(renderer: Renderer, screens: Path) -> None:
    shot = load_screenshot(screens / "sb-admin-register-mobile.png", device_pixel_ratio=2)
    out = renderer.render(card(), shot.width, shot.height, shot.device_pixel_ratio)
    assert (out.width, out.height) == (780, 1688) and not out.full_page


def test_full_page_original_uses_a_screen_sized_viewport(renderer: Renderer,
                                                         screens: Path) -> None:
    shot = load_screenshot(screens / "sticky-nav-full.png")
    assert viewport_for(shot.css_width, shot.css_height) == (1280, 800, True)
    page = ("<body style='margin:0'><div style='height:100vh;background:#000'></div>"
            "<div style='height:1200px;background:#0f0'></div></body>")
    out = renderer.render(page, shot.width, shot.height)
    a = px(out.png)
    assert out.full_page and a.shape[:2] == (1256, 1280)
    assert a[799, 10].tolist() == [0, 0, 0] and a[801, 10].tolist() == [0, 255, 0]
    assert out.page_height == 2000 and out.overrun == 744  # cropped, and said so


def test_short_page_is_padded_and_reported(renderer: Renderer) -> None:
    out = renderer.render("<body style='margin:0;background:#123456'><p>hi</p></body>",
                          1280, 3000)
    a = px(out.png)
    assert out.overrun == 800 - 3000
    assert a[2900, 600].tolist() == [255, 255, 255]
    assert a[700, 600].tolist() == [0x12, 0x34, 0x56]


@pytest.mark.parametrize("snippet, url", [
    ('<link rel="stylesheet" href="https://cdn.example.test/bootstrap.css">',
     "https://cdn.example.test/bootstrap.css"),
    ("<style>@font-face{font-family:W;src:url(https://fonts.example.test/w.woff2)}"
     "body{font-family:W}</style><p>text</p>", "https://fonts.example.test/w.woff2"),
    ('<img src="http://img.example.test/photo.jpg">', "http://img.example.test/photo.jpg"),
    ("<script>fetch('https://api.example.test/data')</script>", "https://api.example.test/data"),
    ('<iframe src="file:///etc/passwd"></iframe>', "file:///etc/passwd"),
])
def test_sandbox_blocks_and_counts_requests(renderer: Renderer, snippet: str, url: str) -> None:
    out = renderer.render(f"<html><head></head><body>{snippet}</body></html>", 640, 400)
    assert url in out.blocked_requests


def test_data_uris_still_load(renderer: Renderer) -> None:
    red_dot = ("data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' width='20' "
               "height='20'><rect width='20' height='20' fill='red'/></svg>")
    out = renderer.render(f"<body style='margin:0'><img src=\"{red_dot}\"></body>", 200, 100)
    assert px(out.png)[5, 5].tolist() == [255, 0, 0] and out.blocked_requests == ()


def test_file_iframe_shows_nothing_of_the_file(renderer: Renderer) -> None:
    out = renderer.render("<iframe src='file:///etc/passwd' style='width:600px;height:300px;"
                          "border:0'></iframe>", 640, 400)
    a = px(out.png)
    assert len(np.unique(a.reshape(-1, 3), axis=0)) <= 2  # blank: no text of the file drawn


def test_dialogs_are_dismissed_and_popups_refused(renderer: Renderer) -> None:
    out = renderer.render("<script>alert('hi'); confirm('ok?'); "
                          "window.open('https://example.test/ad')</script><p>page</p>", 640, 400)
    assert out.dialogs_dismissed == 2
    assert out.popups_blocked == 1


def test_endless_loop_is_killed_and_rendered_without_scripts() -> None:
    with Renderer(RenderConfig(script_budget_s=1.0)) as r:
        started = time.monotonic()
        out = r.render("<body style='margin:0;background:#0000ff'>"
                       "<script>while (true) {}</script></body>", 320, 200)
        assert time.monotonic() - started < 10
        assert out.scripts_killed
        assert px(out.png)[100, 100].tolist() == [0, 0, 255]  # the page without its script
        after = r.render(card(), 320, 200)  # the renderer goes on working
        assert not after.scripts_killed


def test_loop_started_after_load_is_killed_too() -> None:
    with Renderer(RenderConfig(script_budget_s=1.0)) as r:
        out = r.render("<p>x</p><script>setTimeout(() => { while (true) {} }, 0)</script>",
                       320, 200)
        assert out.scripts_killed


@pytest.mark.parametrize("delay_ms", [0, 20, 60, 150])
def test_loop_started_while_the_picture_is_taken_is_killed(delay_ms: int) -> None:
    """A timer that starts an endless loop some time after load lands in the settling, the
    picture or the page's leaving (which one depends on the machine's speed): the render
    comes back, drawn without the page's scripts if they held it, and the renderer goes on."""
    with Renderer(RenderConfig(script_budget_s=1.0)) as r:
        started = time.monotonic()
        out = r.render("<body style='margin:0;background:#00ff00'><p>x</p><script>"
                       f"setTimeout(() => {{ while (true) {{}} }}, {delay_ms})</script></body>",
                       320, 200)
        assert time.monotonic() - started < 20
        assert px(out.png)[150, 150].tolist() == [0, 255, 0]
        after = r.render(card(), 320, 200)
        assert after.width == 320 and not after.scripts_killed


def test_a_loop_is_held_to_the_budget_however_large_the_original() -> None:
    """A large original earns its picture time to draw it (about 32 s for 32 megapixels), not
    the page's scripts: a loop is ended after the budget, and the short page is pictured at
    its own height."""
    with Renderer(RenderConfig(script_budget_s=1.0)) as r:
        started = time.monotonic()
        out = r.render("<body style='margin:0;background:#00ff00'><p>x</p>"
                       "<script>while (true) {}</script></body>", 1000, 32_000)
        assert time.monotonic() - started < 25
        assert out.full_page and out.scripts_killed and out.rgb.shape == (32_000, 1000, 3)
        assert out.rgb[100, 100].tolist() == [0, 255, 0]


def test_a_page_that_traps_the_settling_call_is_held_to_the_budget() -> None:
    """The page replaces what the settling call uses with an endless loop: the DevTools call,
    which has no timeout of its own, would wait forever; the watchdog ends the browser, the
    page is drawn without its scripts in a new one."""
    with Renderer(RenderConfig(script_budget_s=1.0)) as r:
        started = time.monotonic()
        out = r.render("<body style='margin:0;background:#00ff00'><script>"
                       "Document.prototype.getAnimations = () => { while (true) {} };"
                       "</script><p>x</p></body>", 320, 200)
        assert time.monotonic() - started < 20
        assert out.scripts_killed and r.launches == 2
        assert px(out.png)[150, 150].tolist() == [0, 255, 0]
        assert r.render(card(), 320, 200).width == 320


def test_a_page_that_poisons_what_the_answers_use_still_renders(renderer: Renderer) -> None:
    """The page's scripts run before the call that asks for its height, size, pop-ups and
    hints, and can replace what it uses: answers of the wrong kind are taken as unknown, never
    a Python error, and the page is still drawn and cleared away."""
    page = ("<body style='margin:0;background:#00ff00'><script>"
            "Math.max = () => 'tall'; Array.prototype.map = () => 5;"
            "String = () => ({not: 'a string'}); window.__shotclonePopups = 'lots';"
            "</script><p>x</p></body>")
    for width, height in [(320, 200), (1280, 3000)]:  # a screen, and a full page
        out = renderer.render(page, width, height, read="() => { throw 1 }")
        assert out.rgb.shape == (height, width, 3) and out.rgb[100, 100].tolist() == [0, 255, 0]
        assert out.page_height == 0 and out.popups_blocked == 0 and out.blocked_requests == ()
        assert isinstance(out.read_error, str)
    assert renderer.render(card(), 320, 200).read is None


@pytest.mark.parametrize("target", ["0;url=about:blank", "0"])
def test_a_page_that_would_refresh_itself_away_is_drawn(target: str) -> None:
    """A meta refresh needs no script, so rendering without scripts cannot stop it: the page
    would leave for a blank one before or during its picture. The refresh is cancelled once
    the page has loaded; the page is drawn and the renderer goes on working."""
    page = (f"<meta http-equiv=refresh content='{target}'>"
            "<body style='margin:0;background:#00ff00'><p>x</p></body>")
    with Renderer(RenderConfig(script_budget_s=1.0)) as r:
        for _ in range(3):
            out = r.render(page, 320, 200)
            assert out.rgb[100, 100].tolist() == [0, 255, 0] and not out.scripts_killed
            assert r.render(card(), 320, 200).width == 320
        assert r.launches == 1


def test_picture_settles_like_playwrights_own_screenshot(renderer: Renderer) -> None:
    """Animations jump to their end (endless ones are cancelled), carets are hidden and a
    pending autofocus is applied, as Playwright's screenshot with animations "disabled" and
    caret "hide" draws the same page: the same pixels, every time."""
    page = """<style>@keyframes fade { from { opacity: 0 } to { opacity: 1 } }
      @keyframes spin { to { transform: rotate(360deg) } }
      h1 { animation: fade 3s } .spin { width: 60px; height: 60px; background: #c0392b;
      animation: spin 1s linear infinite } input { font-size: 28px }
      .grow { transition: width 5s; width: 10px; height: 20px; background: #2c3e50 }</style>
      <h1>Quarterly report</h1><div class="spin"></div>
      <input autofocus value="search orders"><button autofocus>Go</button>
      <div class="grow" id="bar"></div>
      <script>requestAnimationFrame(() => { bar.style.width = "500px"; });</script>"""
    context = renderer._ensure_browser().new_context(viewport={"width": 640, "height": 400})
    try:
        reference = context.new_page()
        reference.set_content(page, wait_until="load")
        expected = px(reference.screenshot(animations="disabled", caret="hide"))
    finally:
        context.close()
    for _ in range(2):
        assert np.array_equal(px(renderer.render(page, 640, 400).png), expected)


def test_a_crashed_page_or_browser_is_replaced() -> None:
    with Renderer() as r:
        r.render(card(), 400, 300)
        for page in list(r._pages.values()):
            with pytest.raises(Exception):  # noqa: B017 - Playwright raises its own error type
                page.goto("chrome://crash", timeout=5000)
        assert r.render(card(), 400, 300).width == 400
        r._browser.close()  # the browser gone under the renderer
        assert r.render(card(), 400, 300).width == 400
        assert r.launches == 2


def test_a_render_tried_again_counts_the_page_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser now and then refuses a picture ("Unable to capture screenshot") after the
    page has run; the render is tried again on a new page, which runs the page again: its
    dialogs, pop-ups and blocked requests are those of one run, not two."""
    from playwright.sync_api import Error

    with Renderer() as r:
        capture, calls = r._capture, []

        def refused_once(*args: object, **kwargs: object) -> object:
            result = capture(*args, **kwargs)  # type: ignore[arg-type]
            calls.append(1)
            if len(calls) == 1:
                raise Error("Protocol error (Page.captureScreenshot): Unable to capture")
            return result

        monkeypatch.setattr(r, "_capture", refused_once)
        out = r.render("<img src='https://cdn.example.test/a.png'><script>alert(1); "
                       "window.open('https://example.test/ad')</script><p>page</p>", 320, 200)
        assert len(calls) == 2
        assert (out.dialogs_dismissed, out.popups_blocked) == (1, 1)
        assert out.blocked_requests == ("https://cdn.example.test/a.png",)


def test_renderers_started_on_several_threads_at_once() -> None:
    """Each thread starts its own Playwright driver through a patched process spawner: the
    starts take turns, none patches over another's patch, and the spawner is given back."""
    spawner, errors, widths = asyncio.create_subprocess_exec, [], []

    def render() -> None:
        try:
            with Renderer() as r:
                widths.append(r.render(card(), 240, 160).width)
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=render) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and widths == [240] * 3
    assert asyncio.create_subprocess_exec is spawner


def test_browser_override_and_missing_browser(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv("SHOTCLONE_BROWSER", str(tmp_path / "no-chrome"))
    with pytest.raises(BrowserMissing, match="SHOTCLONE_BROWSER .* does not exist"):
        find_browser()
    monkeypatch.delenv("SHOTCLONE_BROWSER")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    monkeypatch.setattr("app.review.browser._LINUX_PATHS", [])
    with pytest.raises(BrowserMissing, match="apt install chromium"):
        find_browser()


def test_system_chromium_is_found() -> None:
    assert find_browser().is_file()
