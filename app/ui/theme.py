"""The look: Fusion in the system's light or dark scheme (followed live when the system
switches), and toolbar icons from Material Design Icons (through QtAwesome) drawn in the
palette's text colour, so they suit either scheme. ``SHOTCLONE_COLOR_SCHEME=light|dark``
overrides the system (screenshots, or a desktop that does not say)."""

from __future__ import annotations

import os

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

ICON_SIZE = 20


def scheme(app: QApplication) -> str:
    forced = os.environ.get("SHOTCLONE_COLOR_SCHEME", "").lower()
    if forced in ("light", "dark"):
        return forced
    return "dark" if app.styleHints().colorScheme() == Qt.ColorScheme.Dark else "light"


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2d31", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1f22", QPalette.ColorRole.AlternateBase: "#2b2d31",
        QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#34363b",
        QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.ToolTipBase: "#1e1f22",
        QPalette.ColorRole.ToolTipText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3d6fd8",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.Link: "#7aa7ff",
        QPalette.ColorRole.PlaceholderText: "#8b8e95", QPalette.ColorRole.Mid: "#55585f",
        QPalette.ColorRole.Midlight: "#3c3f45", QPalette.ColorRole.Dark: "#18191b",
        QPalette.ColorRole.Light: "#4a4d53", QPalette.ColorRole.Shadow: "#000000",
        QPalette.ColorRole.BrightText: "#ffffff",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#75787e"))
    return p


def apply_scheme(app: QApplication) -> None:
    """Fusion, in the scheme the system asks for now. The style is set once: replacing it
    deletes the QStyle that widgets' Python wrappers may still refer to."""
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(dark_palette() if scheme(app) == "dark" else app.style().standardPalette())


def follow_system(app: QApplication) -> None:
    apply_scheme(app)
    app.styleHints().colorSchemeChanged.connect(lambda _: apply_scheme(app))


def is_dark(widget: QWidget) -> bool:
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 128


def icon(name: str, palette: QPalette) -> QIcon:
    """A Material Design icon in the palette's text colour (greyed when disabled)."""
    import qtawesome as qta

    return qta.icon(f"mdi6.{name}",
                    color=palette.color(QPalette.ColorRole.WindowText),
                    color_disabled=palette.color(QPalette.ColorGroup.Disabled,
                                                 QPalette.ColorRole.WindowText))


def apply_look(window: QMainWindow) -> None:
    """The window's icons and colours for the palette in use: again whenever the system
    switches between light and dark."""
    for a in window.actions():
        name = a.property("icon_name")
        if name:
            a.setIcon(icon(name, window.palette()))
    window.setProperty("scheme", "dark" if is_dark(window) else "light")
    window.setStyleSheet(window.styleSheet())  # re-reads the rules that depend on the scheme


class _PaletteFollower(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.PaletteChange and isinstance(watched, QMainWindow):
            apply_look(watched)
        return False


def follow_palette(window: QMainWindow) -> None:
    """The window's look now, and again each time the palette changes (light or dark)."""
    window.installEventFilter(_PaletteFollower(window))
    apply_look(window)
