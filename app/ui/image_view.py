"""Zoomable, pannable picture views whose zoom and scroll can be kept in step."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPalette, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QStackedLayout,
    QWidget,
)


def to_pixmap(picture: QImage | QPixmap | bytes) -> QPixmap:
    if isinstance(picture, QPixmap):
        return picture
    if isinstance(picture, bytes):
        pixmap = QPixmap()
        pixmap.loadFromData(picture)
        return pixmap
    return QPixmap.fromImage(picture)


MIN_SCALE, MAX_SCALE = 0.05, 16.0  # 5% to 1600%
ZOOM_STEP = 1.25


class ImageView(QGraphicsView):
    """One picture; Ctrl+wheel zooms, dragging pans. ``zoomed`` reports the new scale."""

    zoomed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.item = QGraphicsPixmapItem()
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.item)
        # a thin frame around the page, so where it ends shows on any background
        self.frame = QGraphicsRectItem()
        pen = QPen(self.palette().color(QPalette.ColorRole.Mid), 1)
        pen.setCosmetic(True)  # one screen pixel at any zoom
        self.frame.setPen(pen)
        self.frame.setZValue(2)
        self.frame.hide()
        self.scene().addItem(self.frame)
        self.overlay = QGraphicsPixmapItem()  # a second picture on top (onion skin)
        self.overlay.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self.overlay)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self._fitted = True

    def has_picture(self) -> bool:
        return not self.item.pixmap().isNull()

    def set_picture(self, picture: QImage | QPixmap | bytes | None) -> None:
        pixmap = to_pixmap(picture) if picture is not None else QPixmap()
        first = not self.has_picture()
        self.item.setPixmap(pixmap)
        self.frame.setRect(self.item.boundingRect())
        self.frame.setVisible(not pixmap.isNull())
        self.scene().setSceneRect(self.item.boundingRect().adjusted(-2, -2, 2, 2))
        if first or self._fitted:
            self.fit()

    def set_overlay(self, picture: QImage | QPixmap | bytes | None, opacity: float) -> None:
        self.overlay.setPixmap(to_pixmap(picture) if picture is not None else QPixmap())
        self.overlay.setOpacity(opacity)

    def fit(self) -> None:
        if self.has_picture():
            self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
            self._fitted = True
            self.zoomed.emit(self.transform().m11())

    def scale_factor(self) -> float:
        return self.transform().m11()

    def set_scale(self, scale: float) -> None:
        scale = min(MAX_SCALE, max(MIN_SCALE, scale))
        if abs(self.transform().m11() - scale) > 1e-6:
            self.resetTransform()
            self.scale(scale, scale)
            self._fitted = False

    def zoom_by(self, factor: float) -> None:
        self.set_scale(self.scale_factor() * factor)
        self.zoomed.emit(self.scale_factor())

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP)
        else:
            super().wheelEvent(event)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self._fitted:
            self.fit()


class ViewSync(QObject):
    """Keeps several ImageViews at the same zoom and scroll position."""

    def __init__(self, views: list[ImageView], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.views = views
        self._busy = False
        for view in views:
            view.zoomed.connect(lambda s, v=view: self._zoom(v, s))
            view.horizontalScrollBar().valueChanged.connect(
                lambda value, v=view: self._scroll(v, value, horizontal=True))
            view.verticalScrollBar().valueChanged.connect(
                lambda value, v=view: self._scroll(v, value, horizontal=False))

    def visible_view(self) -> ImageView | None:
        return next((v for v in self.views if v.isVisible() and v.has_picture()), None)

    def fit(self) -> None:
        """Every view fitted to its own pane (the shown one decides the common scale)."""
        view = self.visible_view()
        if view is not None:
            view.fit()
        for v in self.views:
            v._fitted = True

    def fitted(self) -> bool:
        return all(v._fitted for v in self.views)

    def _zoom(self, source: ImageView, scale: float) -> None:
        if self._busy:
            return
        self._busy = True
        for view in self.views:
            if view is not source:
                view.set_scale(scale)
                view._fitted = source._fitted
        self._busy = False

    def _scroll(self, source: ImageView, value: int, horizontal: bool) -> None:
        if self._busy:
            return
        self._busy = True
        for view in self.views:
            if view is not source:
                bar = view.horizontalScrollBar() if horizontal else view.verticalScrollBar()
                bar.setValue(value)
        self._busy = False


class Placeholder(QWidget):
    """A view with a hint shown until it has a picture."""

    def __init__(self, view: QWidget, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.hint = QLabel(hint, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.hint.setObjectName("Hint")
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.hint)
        self._stack.addWidget(view)

    def show_view(self, shown: bool = True) -> None:
        self._stack.setCurrentIndex(1 if shown else 0)
