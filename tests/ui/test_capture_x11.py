"""The global hotkey and region capture on a real X server (Xvfb): xdotool presses the keys
and drags the mouse, as a user would, while another window is in front."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
needs_x = pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xdotool")),
                             reason="Xvfb and xdotool are installed by scripts/setup.sh --dev")


@pytest.fixture
def xserver() -> Iterator[str]:
    """A fresh X server of our own, with no window manager: windows sit where they are put."""
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x800x24",
                               "-nolisten", "tcp"], pass_fds=[write],
                              stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        display = ":" + f.readline().strip()
    yield display
    server.kill()
    server.wait()


class Scenario:
    def __init__(self, display: str, out: Path, home: Path, scale: int = 1,
                 model: tuple[Path, Path] | None = None) -> None:
        self.env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
                    "SHOTCLONE_HOME": str(home), "XDG_SESSION_TYPE": "x11",
                    "QT_SCALE_FACTOR": str(scale)}
        self.env.pop("WAYLAND_DISPLAY", None)
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "ui" / "x11_scenario.py"), str(out),
             *(map(str, model) if model else ())],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=self.env,
            cwd=ROOT)

    def expect(self, word: str) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        assert line.startswith(word), f"expected {word}, got {line!r}"
        return line.removeprefix(word).strip()

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env, check=True)

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def drag(s: Scenario, start: tuple[int, int], end: tuple[int, int]) -> None:
    mid = ((start[0] + end[0]) // 2, (start[1] + end[1]) // 2)
    s.xdotool("mousemove", *map(str, start), "mousedown", "1", "mousemove", *map(str, mid),
              "mousemove", *map(str, end), "mouseup", "1")


@needs_x
@pytest.mark.parametrize("scale", [1, 2])
def test_hotkey_and_drag_capture_exactly_that_region(xserver: str, tmp_path: Path,
                                                     scale: int) -> None:
    s = Scenario(xserver, tmp_path, tmp_path / "home", scale)
    try:
        s.expect("READY")
        s.xdotool("key", "ctrl+alt+shift+s")
        s.expect("OVERLAY")
        drag(s, (250, 260), (450, 400))  # screen (physical) pixels, inside the picture
        report = json.loads(s.expect("CAPTURED"))
    finally:
        s.close()
    captured = np.asarray(Image.open(tmp_path / "captured.png").convert("RGB"))
    assert captured.shape[:2] == (140, 200)  # physical pixels, whatever the scale
    assert report["size"] == [200, 140] and report["dpr"] == scale
    assert report["window_visible"]  # the app came to the front with the image
    known = np.asarray(Image.open(tmp_path / "known.png").convert("RGB"))
    left, top = 100 * scale, 100 * scale  # the known picture's place on the screen
    expected = known[260 - top:400 - top, 250 - left:450 - left]
    assert np.array_equal(captured, expected)  # pixel for pixel


@needs_x
def test_the_capture_is_cloned_at_once_and_kept(xserver: str, tmp_path: Path,
                                                tiny_model: tuple[Path, Path]) -> None:
    s = Scenario(xserver, tmp_path, tmp_path / "home", model=tiny_model)
    try:
        s.expect("READY")
        s.xdotool("key", "ctrl+alt+shift+s")
        s.expect("OVERLAY")
        drag(s, (250, 260), (450, 400))
        report = json.loads(s.expect("CLONED"))
    finally:
        s.close()
    assert report == {"status": "done", "history_size": [200, 140], "tokens": 30}


@needs_x
def test_escape_cancels_without_side_effects(xserver: str, tmp_path: Path) -> None:
    s = Scenario(xserver, tmp_path, tmp_path / "home")
    try:
        s.expect("READY")
        s.xdotool("key", "ctrl+alt+shift+s")
        s.expect("OVERLAY")
        s.xdotool("mousemove", "300", "300", "key", "Escape")
        report = json.loads(s.expect("CANCELLED"))
    finally:
        s.close()
    assert report == {"window_visible": False, "shot": False}
    assert not (tmp_path / "captured.png").exists()
    assert not (tmp_path / "home" / "data" / "history").exists()


@needs_x
def test_a_hotkey_taken_by_another_program_is_reported(xserver: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from Xlib import XK, X, display

    other = display.Display(xserver)  # another program grabs the combination first
    keycode = other.keysym_to_keycode(XK.string_to_keysym("s"))
    other.screen().root.grab_key(keycode, X.ControlMask | X.Mod1Mask | X.ShiftMask, True,
                                 X.GrabModeAsync, X.GrabModeAsync)
    other.sync()
    s = Scenario(xserver, tmp_path, tmp_path / "home")
    try:
        message = s.expect("HOTKEY-ERROR")
    finally:
        s.close()
        other.close()
    assert "Ctrl+Alt+Shift+S is already taken by another program" in message
    assert "Settings" in message
