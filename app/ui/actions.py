"""The window's commands, declared once: text, shortcuts, the window's slot, tooltip and icon,
which menu lists them and where they sit on the toolbar."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QSizePolicy, QToolBar, QWidget

from app.ui.theme import ICON_SIZE

_Keys = QKeySequence.StandardKey


@dataclass(frozen=True)
class Command:
    """One thing the window does: in its menu with its shortcut, and on the toolbar if asked."""

    attribute: str  # the window's QAction attribute, e.g. "open_action"
    text: str
    keys: tuple[Any, ...]  # shortcuts, the first one shown; () for none
    slot: str  # the window's method, or a part's ("compare.zoom_in"); "" for actions others
    # connect (Capture, the View options)
    tip: str
    icon: str = ""  # a Material Design icon name (qtawesome), shown on the toolbar
    toolbar: bool = False
    checkable: bool = False


# Menu -> its commands (None: a separator). Later features add their actions to these menus
# (the Model and Edit menus are looked up by ``window.menu("Model")``).
MENUS: dict[str, list[Command | None]] = {
    "File": [
        Command("open_action", "Open…", (_Keys.Open,), "choose_image", "Open a screenshot",
                "folder-open-outline", toolbar=True),
        Command("capture_action", "Capture", (), "",
                "Drag a rectangle over any part of the screen", "crop-free", toolbar=True),
        None,
        Command("export_action", "Export…", (_Keys.Save,), "output.export",
                "Save the page as one .html file", "content-save-outline", toolbar=True),
        Command("export_all_action", "Export with pictures…", ("Ctrl+Shift+S",),
                "output.export_with_pictures",
                "Save the page, its render and the difference picture"),
        Command("browser_action", "Open in browser", ("Ctrl+B",), "output.open_in_browser",
                "Open the page in your web browser", "open-in-new", toolbar=True),
        None,
        Command("quit_action", "Quit", ("Ctrl+Q",), "quit_app",
                "Quit ShotClone (the tray icon too)"),
    ],
    "Edit": [
        Command("paste_action", "Paste screenshot", (_Keys.Paste,), "paste",
                "Paste a screenshot from the clipboard", "content-paste", toolbar=True),
        Command("copy_action", "Copy HTML", ("Ctrl+Shift+C",), "output.copy_html",
                "Copy the page's HTML", "content-copy", toolbar=True),
        Command("back_action", "Back a version", (_Keys.Undo,), "versions.back",
                "Go back to the page's previous version"),
    ],
    "View": [
        Command("zoom_in_action", "Zoom in", ("Ctrl++", "Ctrl+="), "compare.zoom_in",
                "Zoom the pictures in"),
        Command("zoom_out_action", "Zoom out", ("Ctrl+-",), "compare.zoom_out",
                "Zoom the pictures out"),
        Command("zoom_fit_action", "Fit to the pane", ("Ctrl+0",), "compare.zoom_fit",
                "Show the whole picture"),
        Command("zoom_actual_action", "Actual size (100%)", ("Ctrl+1",), "compare.zoom_actual",
                "One screenshot pixel per screen pixel"),
        None,
        Command("wrap_action", "Wrap long lines", ("Alt+Z",), "",
                "Wrap the HTML's long lines in the code pane", checkable=True),
        Command("format_action", "Formatted HTML", ("Ctrl+Shift+F",), "",
                "Show the model's HTML indented, one tag a line (the page itself is "
                "unchanged)", checkable=True),
    ],
    "Model": [
        Command("generate_action", "Generate", ("Ctrl+Return", "Ctrl+Enter"), "generate",
                "Write the HTML for this screenshot", "play", toolbar=True),
        Command("stop_action", "Stop", ("Esc",), "stop", "Stop writing", "stop",
                toolbar=True),
        Command("refine_action", "Refine", ("Ctrl+R",), "versions.refine",
                "Ask the model to fix the worst differences; kept only if the score rises",
                "auto-fix", toolbar=True),
        None,
        Command("models_action", "Models…", ("Ctrl+M",), "model_menu.open_model_setup",
                "Use a model found on this machine, or download one", "cube-outline",
                toolbar=True),
        Command("settings_action", "Settings…", ("Ctrl+,",), "model_menu.open_settings",
                "Model, GPU and writing settings", "cog-outline", toolbar=True),
    ],
    "Help": [
        Command("doctor_action", "Check this set-up", (), "help.check_setup",
                "What this machine has, and whether it can clone (shotclone doctor)"),
        Command("about_action", "About ShotClone", (), "help.about", "Version and licence"),
    ],
}
TOOLBAR_GROUPS = (("open_action", "paste_action", "capture_action"),
                  ("generate_action", "stop_action", "refine_action"),
                  ("export_action", "copy_action", "browser_action"),
                  ("models_action", "settings_action"))


def _action(window: QMainWindow, c: Command) -> QAction:
    a = QAction(c.text, window)
    keys = [QKeySequence(k) for k in c.keys]
    a.setShortcuts([k for k in keys if not k.isEmpty()])
    shown = a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    a.setToolTip(f"{c.tip} ({shown})" if shown else c.tip)
    a.setStatusTip(c.tip)
    a.setCheckable(c.checkable)
    if c.icon:
        a.setProperty("icon_name", c.icon)
    if c.slot:  # looked up when triggered: the window's parts are made after its actions
        a.triggered.connect(lambda checked=False: _call(window, c, checked))
    window.addAction(a)  # shortcuts work with the menu bar hidden too
    setattr(window, c.attribute, a)
    return a


def _call(window: QMainWindow, c: Command, checked: bool) -> None:
    slot = attrgetter(c.slot)(window)
    if c.checkable:
        slot(checked)
    else:
        slot()  # not triggered's checked=False, which a slot could take for an argument


def main_toolbar(window: QMainWindow, right: QWidget) -> dict[str, QMenu]:
    """Make each command as ``window.<attribute>``, connected to its slot, in its menu; then
    the toolbar, with ``right`` at its far end. Returns the menus by title."""
    menus: dict[str, QMenu] = {}
    for title, commands in MENUS.items():
        menu = window.menuBar().addMenu(f"&{title}")
        menus[title] = menu
        for command in commands:
            if command is None:
                menu.addSeparator()
            else:
                menu.addAction(_action(window, command))
    tb = QToolBar("Main", movable=False)
    tb.setObjectName("MainToolbar")
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    tb.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
    window.addToolBar(tb)
    for i, group in enumerate(TOOLBAR_GROUPS):
        if i:
            tb.addSeparator()
        for name in group:
            tb.addAction(getattr(window, name))
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    tb.addWidget(spacer)
    tb.addWidget(right)
    return menus
