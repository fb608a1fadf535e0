"""The app around the window: the global hotkey, the region capture, the tray icon, and what
happens after a capture (the app comes to the front with the image, and clones it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from app.errors import HotkeyUnavailable
from app.hotkey import GlobalHotkey, on_wayland
from app.ui.capture import Capture, RegionCapture
from app.ui.main_window import MainWindow, app_icon


class AppShell(QObject):
    hotkey_pressed = Signal()  # emitted on the hotkey's thread, handled on the UI thread

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.capture = RegionCapture(self)
        self.capture.finished.connect(self.on_captured)
        self.hotkey_pressed.connect(self.start_capture)
        self.hotkey: GlobalHotkey | None = None
        self.hotkey_error: str | None = None
        self.clone_next: bool | None = None  # overrides the setting for one capture
        self.quit_when_cancelled = False
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(app_icon(), self)
            menu = QMenu()
            for text, slot in (("Capture region", self.start_capture),
                               ("Show window", self.show_window), ("Quit", self.quit)):
                action = QAction(text, menu)
                action.triggered.connect(slot)
                menu.addAction(action)
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(lambda reason: self.show_window()
                                        if reason == QSystemTrayIcon.ActivationReason.Trigger
                                        else None)
            self.tray.show()
        window.hide_on_close = self.tray is not None and window.settings.keep_in_tray
        window.settings_changed.connect(self.register_hotkey)
        # not start_capture directly: triggered's checked=False would say "do not clone"
        window.capture_action.triggered.connect(lambda: self.start_capture())

    def register_hotkey(self) -> str | None:
        """(Re)register the hotkey from the settings; the reason when it cannot be."""
        if self.hotkey is not None:
            self.hotkey.close()
            self.hotkey = None
        text = self.window.settings.hotkey
        try:
            self.hotkey = GlobalHotkey(text, self.hotkey_pressed.emit)
            self.hotkey_error = None
            tip = f"ShotClone: {self.hotkey.combo} captures a region of the screen"
        except HotkeyUnavailable as e:
            self.hotkey_error = str(e)
            state = QSettings()
            if not on_wayland() or not state.value("explained/wayland", False, type=bool):
                level = "info" if on_wayland() else "warning"
                self.window.banner.show_message(f"The global hotkey is off: {e}", level)
                state.setValue("explained/wayland", on_wayland())  # Wayland: said once
            tip = "ShotClone: no global hotkey (see the window's message)"
        if self.tray is not None:
            self.tray.setToolTip(tip)
        return self.hotkey_error

    def start_capture(self, clone: bool | None = None) -> None:
        self.clone_next = clone
        self.capture.start()

    def capture_now(self, clone: bool | None = None) -> None:
        """`shotclone capture`: the overlay, or on Wayland the desktop's screenshot portal
        (which asks the user for the region itself)."""
        if on_wayland():
            from app.ui.portal import portal_screenshot

            self.clone_next = clone
            portal_screenshot(self.on_captured)
        else:
            self.start_capture(clone)

    def on_request(self, request: dict[str, Any]) -> None:
        """What a later launch handed over (see ``app.ui.single_instance``)."""
        if request.get("open"):
            self.show_window()
            self.window.open_image(Path(str(request["open"])))
        elif request.get("capture"):
            clone = request.get("clone")
            self.capture_now(clone if isinstance(clone, bool) else None)
        else:
            self.show_window()

    def on_captured(self, capture: Capture | None) -> None:
        clone = self.window.settings.clone_after_capture if self.clone_next is None \
            else self.clone_next
        self.clone_next = None
        if capture is None:
            if self.quit_when_cancelled:
                self.quit()
            return  # cancelled: nothing changes
        self.quit_when_cancelled = False
        self.show_window()
        w, h = capture.rect[2], capture.rect[3]
        self.window.open_image(capture.png, name=f"screen capture {w}x{h}.png",
                               device_pixel_ratio=capture.device_pixel_ratio,
                               then_generate=clone)

    def show_window(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def quit(self) -> None:
        self.window.hide_on_close = False
        if self.hotkey is not None:
            self.hotkey.close()
            self.hotkey = None
        self.window.close()
        if not self.window.isVisible():
            QApplication.quit()
