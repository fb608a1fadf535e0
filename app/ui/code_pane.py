"""The HTML as it streams in: syntax-highlighted and editable; an edit is announced after a
short pause so the page re-renders once the user stops typing."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import QRegularExpression, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QKeyEvent,
    QKeySequence,
    QSyntaxHighlighter,
    QTextCharFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from app.page.format import format_html

EDIT_PAUSE_MS = 600


def _format(colour: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    f = QTextCharFormat()
    f.setForeground(QColor(colour))
    if bold:
        f.setFontWeight(QFont.Weight.Bold)
    f.setFontItalic(italic)
    return f


class HtmlHighlighter(QSyntaxHighlighter):
    """Tags, attributes, strings, CSS properties and comments; colours readable on light and
    dark backgrounds alike."""

    RULES: ClassVar[list[tuple[str, QTextCharFormat]]] = [
        (r"</?[A-Za-z][\w-]*|/?>", _format("#3b82f6", bold=True)),
        (r"\b[\w-]+(?==)", _format("#a855f7")),
        (r"\b[a-z-]+(?=\s*:[^:])", _format("#0ea5e9")),
        (r"#[0-9a-fA-F]{3,8}\b", _format("#f97316")),
        (r"\"[^\"]*\"|'[^']*'", _format("#16a34a")),
        (r"<!DOCTYPE[^>]*>", _format("#6b7280", italic=True)),
    ]

    def __init__(self, document: object) -> None:
        super().__init__(document)
        self._rules = [(QRegularExpression(p), f) for p, f in self.RULES]
        self._comment = _format("#6b7280", italic=True)

    def highlightBlock(self, text: str) -> None:
        for pattern, fmt in self._rules:
            it = pattern.globalMatch(text)
            while it.hasNext():
                m = it.next()
                self.setFormat(m.capturedStart(), m.capturedLength(), fmt)
        # comments may span lines: state 1 means "inside <!-- -->" at the end of this block
        start = 0 if self.previousBlockState() == 1 else text.find("<!--")
        self.setCurrentBlockState(0)
        while start >= 0:
            end = text.find("-->", start)
            if end < 0:
                self.setCurrentBlockState(1)
                self.setFormat(start, len(text) - start, self._comment)
                break
            self.setFormat(start, end + 3 - start, self._comment)
            start = text.find("<!--", end + 3)


class CodePane(QPlainTextEdit):
    """Shows the page's HTML, or (Formatted) the same HTML laid out for reading. The page is
    what the model wrote until the user edits the text; from then on it is the text shown.
    Ctrl+Z undoes the user's typing; with nothing of it left to undo, it goes to the window,
    which goes back a version of the page."""

    edited = Signal(str)  # the user's text, after a pause in typing
    undo_exhausted = Signal()  # Ctrl+Z with none of the user's typing left to undo

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CodePane")
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setPlaceholderText("The HTML appears here as the model writes it. You can edit it: "
                                "the preview follows.")
        self.highlighter = HtmlHighlighter(self.document())
        self.formatted = False
        self._page: str | None = ""  # None: the user edited, so the page is the text shown
        self._ours = False
        self._pause = QTimer(self, singleShot=True, interval=EDIT_PAUSE_MS)
        self._pause.timeout.connect(lambda: self.edited.emit(self.page_text()))
        self.textChanged.connect(self._on_changed)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if e.matches(QKeySequence.StandardKey.Undo) and not self.document().isUndoAvailable():
            self.undo_exhausted.emit()  # nothing typed left to undo: the window goes back
            return
        super().keyPressEvent(e)

    def _on_changed(self) -> None:
        if not self._ours:
            self._page = None
            self._pause.start()

    def page_text(self) -> str:
        """The page: the HTML as written (not its formatted view), or the user's edit."""
        return self.toPlainText() if self._page is None else self._page

    def _display(self, text: str) -> None:
        self._ours = True
        try:
            self.setPlainText(text)
        finally:
            self._ours = False

    def show_text(self, text: str) -> None:
        """Replace the page without counting it as the user's edit."""
        self._page = text
        self._display(format_html(text) if self.formatted and text.strip() else text)

    def set_formatted(self, on: bool) -> None:
        page = self.page_text()
        self.formatted = on
        self.show_text(page)

    def set_wrap(self, on: bool) -> None:
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth if on else
                             QPlainTextEdit.LineWrapMode.NoWrap)

    def append_stream(self, text: str) -> None:
        """The answer as it streams, shown as written (it is formatted once it is complete)."""
        self._ours = True
        try:
            self._page = (self._page or "") + text
            cursor = self.textCursor()
            cursor.movePosition(cursor.MoveOperation.End)
            cursor.insertText(text)
            if not self.hasFocus():
                self.ensureCursorVisible()
        finally:
            self._ours = False
