"""Screen capture on Wayland, where applications may not read the screen: ask the desktop
through the org.freedesktop.portal.Screenshot D-Bus interface, which lets the user pick a
region and hands back a file."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlparse

from PySide6.QtCore import QObject, Slot
from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusMessage

from app.ui.capture import Capture

PORTAL = "org.freedesktop.portal.Desktop"
PATH = "/org/freedesktop/portal/desktop"


class _Response(QObject):
    def __init__(self, done: Callable[[Capture | None], None]) -> None:
        super().__init__()
        self.done = done

    @Slot(QDBusMessage)
    def on_response(self, message: QDBusMessage) -> None:
        code, results = message.arguments()[0], message.arguments()[1]
        uri = results.get("uri") if code == 0 else None
        if not uri:
            self.done(None)  # the user cancelled, or the desktop refused
            return
        png = Path(unquote(urlparse(uri).path)).read_bytes()
        self.done(Capture(png=png, device_pixel_ratio=1.0, rect=(0, 0, 0, 0),
                          screen="portal"))


_pending: list[_Response] = []


def portal_screenshot(done: Callable[[Capture | None], None]) -> None:
    """Ask for an interactive screenshot; ``done`` gets the capture, or None."""
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        raise RuntimeError("No D-Bus session: the desktop's screenshot portal is unreachable.")
    token = "shotclone" + uuid.uuid4().hex[:8]
    sender = bus.baseService().lstrip(":").replace(".", "_")
    request = f"/org/freedesktop/portal/desktop/request/{sender}/{token}"
    handler = _Response(done)
    _pending.append(handler)
    bus.connect(PORTAL, request, "org.freedesktop.portal.Request", "Response", handler,
                "on_response(QDBusMessage)")
    QDBusInterface(PORTAL, PATH, "org.freedesktop.portal.Screenshot", bus).call(
        "Screenshot", "", {"interactive": True, "handle_token": token})
