"""One ShotClone per login, with two (and three) real processes on a real X server: a second
`shotclone app IMAGE` and a `shotclone capture` hand their request to the running app and
exit; the running window shows the image, and opens the capture overlay."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.test_capture_x11 import needs_x, xserver  # noqa: F401  (a fixture)

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 60  # a bound on waiting for windows, not a timing being tested


class Desktop:
    """Launches `shotclone` as a user's desktop would, and looks at its windows with xdotool."""

    def __init__(self, display: str, home: Path) -> None:
        self.env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
                    "SHOTCLONE_HOME": str(home), "XDG_SESSION_TYPE": "x11",
                    "PYTHONPATH": str(ROOT)}
        self.env.pop("WAYLAND_DISPLAY", None)
        self.started: list[subprocess.Popen[str]] = []

    def launch(self, *args: str) -> subprocess.Popen[str]:
        p = subprocess.Popen([sys.executable, "-c", "import sys; from app.cli import main; "
                              "sys.exit(main(sys.argv[1:]))", *args],
                             env=self.env, cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        self.started.append(p)
        return p

    def windows(self, name: str, wait: bool = True) -> list[str]:
        args = ["xdotool", "search", *(["--sync"] if wait else []), "--onlyvisible",
                "--name", name]
        out = subprocess.run(args, env=self.env, capture_output=True, text=True,
                             timeout=WAIT_S)
        return out.stdout.split()

    def close(self) -> None:
        for p in self.started:
            if p.poll() is None:
                p.kill()
            p.communicate()


@pytest.fixture
def desktop(xserver: str, tmp_path: Path) -> Iterator[Desktop]:  # noqa: F811
    d = Desktop(xserver, tmp_path / "home")
    yield d
    d.close()


@needs_x
def test_later_launches_feed_the_running_window(desktop: Desktop, ui_png: Path) -> None:
    first = desktop.launch("app")
    [window] = desktop.windows("ShotClone")
    second = desktop.launch("app", str(ui_png))
    _, err = second.communicate(timeout=WAIT_S)
    assert second.returncode == 0 and "already running" in err
    assert desktop.windows("ui.png — ShotClone") == [window]  # the same window shows it
    capture = desktop.launch("capture")
    _, err = capture.communicate(timeout=WAIT_S)
    assert capture.returncode == 0 and "already running" in err
    assert desktop.windows("ShotClone capture")  # the running app's overlay
    subprocess.run(["xdotool", "key", "Escape"], env=desktop.env, check=True)
    deadline = time.monotonic() + WAIT_S
    while desktop.windows("ShotClone capture", wait=False) and time.monotonic() < deadline:
        time.sleep(0.1)  # the overlay closes on the app's next event-loop turn
    assert first.poll() is None  # still the one app, with its one window
    assert desktop.windows("ShotClone", wait=False) == [window]
