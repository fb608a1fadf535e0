"""The window's actions, declared once: text, shortcut, the window's slot and tooltip, and
where they sit on the toolbar."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QSizePolicy, QToolBar, QWidget

_Keys = QKeySequence.StandardKey
_ACTIONS: list[tuple[str, str, Any, str, str, bool] | None] = [  # None: a toolbar separator
    # attribute, text, shortcut, the window's slot, tooltip, on the toolbar
    ("open_action", "Open…", _Keys.Open, "choose_image", "Open a screenshot", True),
    ("paste_action", "Paste", _Keys.Paste, "paste", "Paste a screenshot from the clipboard",
     True),
    ("capture_action", "Capture", None, "", "Drag a rectangle over any part of the screen",
     True),
    None,
    ("generate_action", "Generate", "Ctrl+Return", "generate",
     "Write the HTML for this screenshot", True),
    ("stop_action", "Stop", "Esc", "stop", "Stop writing", True),
    ("refine_action", "Refine", "Ctrl+R", "refine",
     "Ask the model to fix the worst differences; kept only if the score rises", True),
    ("back_action", "Back a version", _Keys.Undo, "back_a_version",
     "Go back to the page's previous version", False),
    None,
    ("export_action", "Export…", _Keys.Save, "export", "Save the page as one .html file", True),
    ("export_all_action", "Export with pictures…", "Ctrl+Shift+S", "export_with_pictures",
     "Save the page, its render and the difference picture", False),
    ("copy_action", "Copy HTML", "Ctrl+Shift+C", "copy_html", "Copy the page's HTML", True),
    ("browser_action", "Open in browser", "Ctrl+B", "open_in_browser",
     "Open the page in your web browser", True),
    None,
    ("models_action", "Models…", "Ctrl+M", "open_model_setup",
     "Use a model found on this machine, or download one", True),
    ("settings_action", "Settings…", "Ctrl+,", "open_settings",
     "Model, GPU and writing settings", True),
]


def main_toolbar(window: QMainWindow, right: QWidget) -> QToolBar:
    """Make each action as ``window.<attribute>``, connected to its slot, and the toolbar,
    with ``right`` at its far end."""
    tb = QToolBar("Main", movable=False)
    tb.setObjectName("MainToolbar")
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    window.addToolBar(tb)
    for entry in _ACTIONS:
        if entry is None:
            tb.addSeparator()
            continue
        name, text, keys, slot, tip, on_toolbar = entry
        a = QAction(text, window)
        if keys is not None:
            a.setShortcut(QKeySequence(keys))
        a.setToolTip(f"{tip} ({QKeySequence(keys).toString()})" if keys else tip)
        a.triggered.connect(getattr(window, slot) if slot else lambda: None)
        window.addAction(a)
        setattr(window, name, a)
        if on_toolbar:
            tb.addAction(a)
    spacer = QWidget()
    spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    tb.addWidget(spacer)
    tb.addWidget(right)
    return tb
