"""A system-wide hotkey, through each platform's own mechanism: XGrabKey on X11 (python-xlib),
RegisterHotKey on Windows, pynput's event tap on macOS (which needs the Accessibility
permission). Wayland lets no application do this: there the user binds `shotclone capture`
to a desktop shortcut instead. Qt-free: the callback runs on the listener's thread."""

from __future__ import annotations

import os
import select
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.errors import HotkeyUnavailable

MODIFIERS = {"ctrl": "Ctrl", "control": "Ctrl", "alt": "Alt", "option": "Alt",
             "shift": "Shift", "super": "Super", "win": "Super", "meta": "Super",
             "cmd": "Super"}
NAMED_KEYS = {"print": "Print", "printscreen": "Print", "prtsc": "Print", "space": "space",
              "insert": "Insert", "pause": "Pause"}
WAYLAND_HELP = ("Wayland does not let applications register global hotkeys or read the "
                "screen. Bind `shotclone capture --clone` to a shortcut in your desktop's "
                "keyboard settings; it captures through the desktop's screenshot portal.")


@dataclass(frozen=True)
class Combo:
    modifiers: frozenset[str]
    key: str  # "S", "5", "F9", "Print"

    def __str__(self) -> str:
        order = ["Ctrl", "Alt", "Shift", "Super"]
        return "+".join([m for m in order if m in self.modifiers] + [self.key])


def parse_combo(text: str) -> Combo:
    parts = [p.strip() for p in text.replace(" ", "").split("+") if p.strip()]
    mods = {MODIFIERS[p.lower()] for p in parts[:-1] if p.lower() in MODIFIERS}
    unknown = [p for p in parts[:-1] if p.lower() not in MODIFIERS]
    if not parts or unknown:
        raise HotkeyUnavailable(f"{text!r} is not a key combination: write it like "
                                "Ctrl+Alt+Shift+S.")
    key = parts[-1]
    if key.lower() in MODIFIERS:
        raise HotkeyUnavailable(f"{text!r} has no key besides its modifiers.")
    function_key = key.upper().startswith("F") and key[1:].isdigit() and 1 <= int(key[1:]) <= 24
    if (len(key) == 1 and key.isalnum()) or function_key:
        key = key.upper()
    elif key.lower() in NAMED_KEYS:
        key = NAMED_KEYS[key.lower()]
    else:
        raise HotkeyUnavailable(f"{text!r}: ShotClone does not know the key {key!r}; use a "
                                "letter, a digit, F1-F24 or Print.")
    if not mods and key != "Print" and not key.startswith("F"):
        raise HotkeyUnavailable(f"{text!r} would steal ordinary typing: add Ctrl, Alt, Shift "
                                "or Super.")
    return Combo(frozenset(mods), key)


def on_wayland() -> bool:
    return os.environ.get("XDG_SESSION_TYPE") == "wayland" or (
        bool(os.environ.get("WAYLAND_DISPLAY")) and not os.environ.get("DISPLAY"))


class _X11Hotkey:
    def __init__(self, combo: Combo, on_press: Callable[[], None]) -> None:
        from Xlib import XK, X, display, error

        try:
            self._display = display.Display()
        except Exception as e:  # no X server reachable
            raise HotkeyUnavailable(f"Cannot reach the X server ({e}).") from e
        keysym = XK.string_to_keysym(combo.key.lower() if len(combo.key) == 1 else combo.key)
        self._keycode = self._display.keysym_to_keycode(keysym)
        if not self._keycode:
            self._display.close()
            raise HotkeyUnavailable(f"{combo}: this keyboard has no {combo.key} key.")
        masks = {"Ctrl": X.ControlMask, "Alt": X.Mod1Mask, "Shift": X.ShiftMask,
                 "Super": X.Mod4Mask}
        self._mods = 0
        for m in combo.modifiers:
            self._mods |= masks[m]
        self._root = self._display.screen().root
        # the same combination with Caps Lock and Num Lock on, which X counts as modifiers
        self._variants = [self._mods | extra for extra in
                          (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask)]
        taken = error.CatchError(error.BadAccess)
        for mods in self._variants:
            self._root.grab_key(self._keycode, mods, True, X.GrabModeAsync, X.GrabModeAsync,
                                onerror=taken)
        self._display.sync()
        if taken.get_error():
            self._ungrab()
            self._display.close()
            raise HotkeyUnavailable(f"{combo} is already taken by another program. Choose "
                                    "another combination in ShotClone's Settings.")
        self._stop = threading.Event()
        self._on_press = on_press
        self._press = X.KeyPress
        self._thread = threading.Thread(target=self._listen, daemon=True, name="hotkey")
        self._thread.start()

    def _listen(self) -> None:
        fd = self._display.fileno()
        while not self._stop.is_set():
            readable, _, _ = select.select([fd], [], [], 0.1)
            if not readable and not self._display.pending_events():
                continue
            while self._display.pending_events():
                event = self._display.next_event()
                if event.type == self._press and event.detail == self._keycode:
                    self._on_press()

    def _ungrab(self) -> None:
        for mods in self._variants:
            self._root.ungrab_key(self._keycode, mods)
        self._display.sync()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        self._ungrab()
        self._display.close()


class _WindowsHotkey:
    def __init__(self, combo: Combo, on_press: Callable[[], None]) -> None:
        import ctypes
        from ctypes import wintypes

        user32 = ctypes.windll.user32  # type: ignore[attr-defined]
        mods = {"Alt": 0x1, "Ctrl": 0x2, "Shift": 0x4, "Super": 0x8}
        flags = 0x4000  # MOD_NOREPEAT
        for m in combo.modifiers:
            flags |= mods[m]
        key = combo.key
        vk = ord(key) if len(key) == 1 else 0x2C if key == "Print" else 0x6F + int(key[1:])
        ready = threading.Event()
        result: dict[str, Any] = {}

        def loop() -> None:
            result["thread"] = ctypes.windll.kernel32.GetCurrentThreadId()  # type: ignore[attr-defined]
            result["ok"] = bool(user32.RegisterHotKey(None, 1, flags, vk))
            ready.set()
            if not result["ok"]:
                return
            msg = wintypes.MSG()
            while user32.GetMessageW(ctypes.byref(msg), None, 0, 0) > 0:
                if msg.message == 0x0312:  # WM_HOTKEY
                    on_press()
            user32.UnregisterHotKey(None, 1)

        self._thread = threading.Thread(target=loop, daemon=True, name="hotkey")
        self._thread.start()
        ready.wait(5)
        if not result.get("ok"):
            raise HotkeyUnavailable(f"{combo} is already taken by another program. Choose "
                                    "another combination in ShotClone's Settings.")
        self._thread_id = result["thread"]
        self._user32 = user32

    def close(self) -> None:
        self._user32.PostThreadMessageW(self._thread_id, 0x0012, 0, 0)  # WM_QUIT
        self._thread.join(1)


class _MacHotkey:
    def __init__(self, combo: Combo, on_press: Callable[[], None]) -> None:
        try:
            from pynput import keyboard
        except ImportError as e:
            raise HotkeyUnavailable("pynput is missing: run scripts/setup.sh again.") from e
        names = {"Ctrl": "<ctrl>", "Alt": "<alt>", "Shift": "<shift>", "Super": "<cmd>"}
        key = combo.key.lower() if len(combo.key) == 1 else f"<{combo.key.lower()}>"
        spec = "+".join([names[m] for m in sorted(combo.modifiers)] + [key])
        self._listener = keyboard.GlobalHotKeys({spec: on_press})
        self._listener.start()
        if not getattr(self._listener, "IS_TRUSTED", True):
            self._listener.stop()
            raise HotkeyUnavailable(
                "macOS has not given ShotClone the Accessibility permission that global "
                "hotkeys need: allow it in System Settings > Privacy & Security > "
                "Accessibility, then restart ShotClone.")

    def close(self) -> None:
        self._listener.stop()


class GlobalHotkey:
    """Calls ``on_press`` (on another thread) whenever the combination is pressed anywhere."""

    def __init__(self, text: str, on_press: Callable[[], None]) -> None:
        self.combo = parse_combo(text)
        if sys.platform == "win32":
            self._impl: Any = _WindowsHotkey(self.combo, on_press)
        elif sys.platform == "darwin":
            self._impl = _MacHotkey(self.combo, on_press)
        elif on_wayland():
            raise HotkeyUnavailable(WAYLAND_HELP)
        else:
            self._impl = _X11Hotkey(self.combo, on_press)

    def close(self) -> None:
        self._impl.close()


def describe(text: str) -> str:
    """The hotkey in effect here, for `shotclone doctor` and the tray's tooltip."""
    try:
        combo = parse_combo(text)
    except HotkeyUnavailable as e:
        return f"none: {e}"
    if sys.platform == "darwin":
        return f"{combo} (needs the Accessibility permission)"
    if sys.platform != "win32" and on_wayland():
        return f"none on Wayland: {WAYLAND_HELP}"
    return f"{combo} ({'Windows' if sys.platform == 'win32' else 'X11'})"
