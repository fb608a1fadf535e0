"""Drag a rectangle over any part of the screen: every screen is frozen as it was, dimmed, with
a rubber band, its size in physical pixels, a crosshair and a magnifier for precise edges. Esc
cancels; releasing the mouse (or Enter) takes the region at the screen's physical pixels and
keeps its device pixel ratio."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QPoint, QRect, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QScreen,
)
from PySide6.QtWidgets import QWidget

MIN_SIDE = 16  # physical pixels; smaller drags are treated as clicks
ZOOM = 8
LOUPE = 15  # physical pixels around the cursor shown in the magnifier


@dataclass(frozen=True, kw_only=True)
class Capture:
    png: bytes
    device_pixel_ratio: float
    rect: tuple[int, int, int, int]  # x, y, width, height in the screen's physical pixels
    screen: str


def _png(pixmap: QPixmap) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    pixmap.toImage().save(buffer, "PNG")
    return bytes(data.data())


class RegionOverlay(QWidget):
    """One screen's frozen picture to select on."""

    chosen = Signal(object)  # Capture
    cancelled = Signal()

    def __init__(self, screen: QScreen, frozen: QPixmap) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint |
                         Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.Tool)
        self.setObjectName("RegionOverlay")
        self.setWindowTitle("ShotClone capture")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setMouseTracking(True)
        self.screen_ = screen
        self.frozen = frozen
        self.dpr = frozen.devicePixelRatio() or screen.devicePixelRatio()
        self.setGeometry(screen.geometry())
        self._start: QPoint | None = None
        self._end: QPoint | None = None
        self._cursor = QPoint(-100, -100)

    def selection(self) -> QRect:
        if self._start is None or self._end is None:
            return QRect()
        a, b = self._start, self._end  # from the press to the release, release excluded
        return QRect(min(a.x(), b.x()), min(a.y(), b.y()), abs(b.x() - a.x()),
                     abs(b.y() - a.y()))

    def physical(self, rect: QRect) -> QRect:
        d = self.dpr
        return QRect(round(rect.x() * d), round(rect.y() * d), round(rect.width() * d),
                     round(rect.height() * d))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.drawPixmap(self.rect(), self.frozen)
        p.fillRect(self.rect(), QColor(0, 0, 0, 110))
        sel = self.selection()
        if not sel.isEmpty():
            p.drawPixmap(sel, self.frozen, self.physical(sel))  # the chosen part, undimmed
            p.setPen(QPen(QColor("#3b82f6"), 2))
            p.drawRect(sel.adjusted(-1, -1, 0, 0))
            phys = self.physical(sel)
            label = f"{phys.width()} × {phys.height()} px"
            p.setPen(Qt.GlobalColor.white)
            p.fillRect(QRect(sel.left(), max(0, sel.top() - 24), 130, 22), QColor(0, 0, 0, 180))
            p.drawText(QRect(sel.left() + 6, max(0, sel.top() - 24), 124, 22),
                       Qt.AlignmentFlag.AlignVCenter, label)
        c = self._cursor
        p.setPen(QPen(QColor(255, 255, 255, 140), 1, Qt.PenStyle.DashLine))
        p.drawLine(0, c.y(), self.width(), c.y())
        p.drawLine(c.x(), 0, c.x(), self.height())
        self._paint_loupe(p, c)
        p.end()

    def _paint_loupe(self, p: QPainter, c: QPoint) -> None:
        src = QRect(round(c.x() * self.dpr) - LOUPE // 2, round(c.y() * self.dpr) - LOUPE // 2,
                    LOUPE, LOUPE)
        size = LOUPE * ZOOM
        at = QPoint(c.x() + 24, c.y() + 24)
        if at.x() + size > self.width():
            at.setX(c.x() - 24 - size)
        if at.y() + size > self.height():
            at.setY(c.y() - 24 - size)
        target = QRect(at.x(), at.y(), size, size)
        p.drawPixmap(target, self.frozen, src)
        p.setPen(QPen(QColor("#3b82f6"), 2))
        p.drawRect(target)
        p.drawRect(QRect(target.center().x() - ZOOM // 2, target.center().y() - ZOOM // 2,
                         ZOOM, ZOOM))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._start = self._end = event.position().toPoint()
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._cursor = event.position().toPoint()
        if self._start is not None:
            self._end = self._cursor
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._start is not None:
            self._end = event.position().toPoint()
            self.confirm()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.confirm()

    def confirm(self) -> None:
        phys = self.physical(self.selection())
        if phys.width() < MIN_SIDE or phys.height() < MIN_SIDE:
            self._start = self._end = None  # a click, not a region: keep choosing
            self.update()
            return
        self.chosen.emit(Capture(png=_png(self.frozen.copy(phys)), device_pixel_ratio=self.dpr,
                                 rect=(phys.x(), phys.y(), phys.width(), phys.height()),
                                 screen=self.screen_.name()))


class RegionCapture(QObject):
    """Freezes every screen and lets the user pick a region on one of them."""

    finished = Signal(object)  # Capture, or None when cancelled

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.overlays: list[RegionOverlay] = []

    @property
    def active(self) -> bool:
        return bool(self.overlays)

    def start(self) -> None:
        if self.overlays:
            return
        frozen = [(s, s.grabWindow(0)) for s in QGuiApplication.screens()]  # before any overlay
        for screen, pixmap in frozen:
            overlay = RegionOverlay(screen, pixmap)
            overlay.chosen.connect(self._done)
            overlay.cancelled.connect(lambda: self._done(None))
            self.overlays.append(overlay)
            overlay.show()
            overlay.raise_()
            overlay.activateWindow()
        under_mouse = QGuiApplication.screenAt(self.overlays[0].cursor().pos())
        for overlay in self.overlays:
            if overlay.screen_ is under_mouse:
                overlay.setFocus()

    def _done(self, capture: Capture | None) -> None:
        overlays, self.overlays = self.overlays, []
        for overlay in overlays:
            overlay.close()
        self.finished.emit(capture)
