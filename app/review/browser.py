"""Finding a Chromium to render with: Playwright's own if installed, else a system Chromium,
Chrome or Edge at the usual places, and ``SHOTCLONE_BROWSER`` over both."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from app.errors import BrowserMissing

_LINUX_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                "microsoft-edge", "microsoft-edge-stable"]
_LINUX_PATHS = ["/usr/bin/chromium", "/snap/bin/chromium", "/usr/lib/chromium/chromium"]
_MAC_PATHS = [
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
]
_WINDOWS_PATHS = [
    r"{ProgramFiles}\Google\Chrome\Application\chrome.exe",
    r"{ProgramFiles(x86)}\Google\Chrome\Application\chrome.exe",
    r"{LocalAppData}\Google\Chrome\Application\chrome.exe",
    r"{ProgramFiles(x86)}\Microsoft\Edge\Application\msedge.exe",
    r"{ProgramFiles}\Microsoft\Edge\Application\msedge.exe",
]

HOW_TO_GET_ONE = (
    "Install one: `sudo apt install chromium` (Debian/Ubuntu), Google Chrome or Microsoft Edge "
    "(Windows/macOS), or `python -m playwright install chromium`; or point SHOTCLONE_BROWSER "
    "at a Chromium-based browser."
)


def _playwright_chromium() -> Path | None:
    """Playwright's downloaded Chromium, found without starting Playwright's driver."""
    root = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or {
        "linux": "~/.cache/ms-playwright", "darwin": "~/Library/Caches/ms-playwright",
    }.get(sys.platform, r"~\AppData\Local\ms-playwright")
    found = sorted(Path(root).expanduser().glob("chromium-*/chrome-*/chrome*"), reverse=True)
    exe = [p for p in found if p.name in ("chrome", "chrome.exe") and p.is_file()]
    return exe[0] if exe else None


def _system_candidates() -> list[Path]:
    if sys.platform == "darwin":
        return [Path(p) for p in _MAC_PATHS]
    if sys.platform == "win32":
        env = {k: os.environ.get(k, "") for k in ("ProgramFiles", "ProgramFiles(x86)",
                                                    "LocalAppData")}
        return [Path(p.format(**env)) for p in _WINDOWS_PATHS]
    found = [shutil.which(n) for n in _LINUX_NAMES]
    return [Path(p) for p in found if p] + [Path(p) for p in _LINUX_PATHS]


def find_browser() -> Path:
    """The browser to render with, or ``BrowserMissing`` saying how to get one."""
    override = os.environ.get("SHOTCLONE_BROWSER")
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise BrowserMissing(f"SHOTCLONE_BROWSER is {override}, which does not exist. "
                                 f"Fix the path or unset it. {HOW_TO_GET_ONE}")
        return path
    own = _playwright_chromium()
    if own:
        return own
    for path in _system_candidates():
        if path.is_file():
            return path
    raise BrowserMissing(f"No Chromium, Chrome or Edge found to render pages with. "
                         f"{HOW_TO_GET_ONE}")
