"""Where screenshots come in: a drop zone (files, or image data from a browser), and the
history of earlier runs to reopen or delete."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMimeData,
    QRect,
    QSettings,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QIcon,
    QImage,
    QImageReader,
    QMouseEvent,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from app.outputs.history import HistoryEntry

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp *.tif *.tiff)"
DROP_HINT = "Drop a screenshot here\nor paste one (Ctrl+V), or click to open a file (Ctrl+O)"


def image_from_mime(mime: QMimeData | None,
                    holder: str = "That") -> tuple[Path | bytes, str] | str:
    """What a drop or paste carries: (a local file or PNG bytes, a name), or why it is no
    image (``holder`` names what held it: "The clipboard"; an empty one gives None)."""
    if mime is None:
        return f"{holder} holds no image. Copy a screenshot, or drop one here."
    if mime.hasUrls():
        urls = mime.urls()
        local = [u for u in urls if u.isLocalFile()]
        if local:
            path = Path(local[0].toLocalFile())
            return path, path.name
        return (f"{urls[0].toString()[:80]} is a web address; drag the picture itself, or "
                "save it and open the file.")
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QImage) and not image.isNull():
            data = QByteArray()
            buffer = QBuffer(data)
            buffer.open(QIODevice.OpenModeFlag.WriteOnly)
            image.save(buffer, "PNG")
            return bytes(data.data()), "pasted image"
    if mime.hasText():
        return f"{holder} holds text, not an image. Drop or paste a screenshot (PNG, JPEG, " \
            "WebP…)."
    return f"{holder} holds no image. Drop or paste a screenshot (PNG, JPEG, WebP…)."


class DropZone(QFrame):
    """Shows the current screenshot, or how to give one."""

    received = Signal(object)  # the MIME data of a drop
    clicked = Signal()  # a click opens a file, as the hint says

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DropZone")
        self.setAcceptDrops(True)
        self.setMinimumSize(220, 160)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.label = QLabel(DROP_HINT, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        self._pixmap = QPixmap()

    def show_screenshot(self, png: bytes | None) -> None:
        self._pixmap = QPixmap()
        if png:
            self._pixmap.loadFromData(png)
        self._refresh()

    def _refresh(self) -> None:
        if self._pixmap.isNull():
            self.label.setPixmap(QPixmap())
            self.label.setText(DROP_HINT)
        else:
            self.label.setPixmap(self._pixmap.scaled(
                self.label.size() - QSize(8, 8), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._refresh()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
                event.position().toPoint()):
            self.clicked.emit()
        super().mouseReleaseEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() or event.mimeData().hasImage():
            self.setProperty("hover", True)
            self.style().polish(self)
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: object) -> None:
        self.setProperty("hover", False)
        self.style().polish(self)

    def dropEvent(self, event: QDropEvent) -> None:
        self.setProperty("hover", False)
        self.style().polish(self)
        self.received.emit(event.mimeData())
        event.acceptProposedAction()


THUMB = QSize(64, 40)


def thumbnail(path: Path, size: QSize = THUMB) -> QIcon:
    """The top of the screenshot at the list's proportions: a full-page capture shows its
    header, not a sliver of the whole page."""
    reader = QImageReader(str(path))
    full = reader.size()
    if full.isValid() and full.width() > 0:
        height = min(full.height(), round(full.width() * size.height() / size.width()))
        reader.setClipRect(QRect(0, 0, full.width(), height))
        reader.setScaledSize(QSize(size.width() * 2, round(size.width() * 2 * height /
                                                             full.width())))
    image = reader.read()
    return QIcon(QPixmap.fromImage(image)) if not image.isNull() else QIcon()


class HistoryPane(QListWidget):
    """Earlier runs, one line per screenshot (its newest run, and how many there were), newest
    first: double-click to reopen, right-click to delete. The run shown is selected."""

    reopen = Signal(object)  # HistoryEntry
    delete = Signal(object)  # list[HistoryEntry]: every run of one screenshot

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("HistoryPane")
        self.setIconSize(THUMB)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.itemActivated.connect(lambda item: self.reopen.emit(self._runs(item)[0]))

    @staticmethod
    def _runs(item: QListWidgetItem) -> list[HistoryEntry]:
        return item.data(Qt.ItemDataRole.UserRole)

    def show_entries(self, groups: list[list[HistoryEntry]],
                     current: Path | None = None) -> None:
        self.clear()
        for runs in groups:
            meta = runs[0].meta
            when = time.strftime("%d %b %H:%M", time.localtime(meta.get("created", 0)))
            score = f" · {meta['similarity']:.2f}" if "similarity" in meta else ""
            count = f" · {len(runs)} runs" if len(runs) > 1 else ""
            name = Path(str(meta.get("source", "screenshot"))).name
            text = f"{name}\n{when} · {meta.get('status', '?')}{score}{count}"
            if len(meta.get("versions", [])) > 1:  # each round and edit, with its score
                text += f"\n{runs[0].versions_line()}"
            item = QListWidgetItem(thumbnail(runs[0].screenshot_path), text)
            item.setData(Qt.ItemDataRole.UserRole, runs)
            self.addItem(item)
            if current is not None and any(r.folder == current for r in runs):
                self.setCurrentItem(item)

    def _menu(self, pos: object) -> None:
        item = self.itemAt(pos)  # type: ignore[arg-type]
        if item is None:
            return
        runs = self._runs(item)
        menu = QMenu(self)
        menu.addAction("Reopen", lambda: self.reopen.emit(runs[0]))
        menu.addAction("Delete…" if len(runs) == 1 else f"Delete its {len(runs)} runs…",
                       lambda: self.delete.emit(runs))
        menu.exec(self.mapToGlobal(pos))  # type: ignore[arg-type]


class InputColumn(QWidget):
    """The window's left column: the drop zone above the recent runs."""

    def __init__(self) -> None:
        super().__init__()
        self.drop_zone = DropZone()
        self.history_pane = HistoryPane()
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.drop_zone, 2)
        title = QLabel("Recent")
        title.setObjectName("PaneTitle")
        col.addWidget(title)
        col.addWidget(self.history_pane, 3)


def ask_screenshot(parent: QWidget) -> Path | None:
    """A screenshot file chosen by the user, starting in the folder of the last one."""
    state = QSettings()
    start = str(state.value("files/last_folder", str(Path.home())))
    path, _ = QFileDialog.getOpenFileName(parent, "Open a screenshot", start, IMAGE_FILTER)
    if not path:
        return None
    state.setValue("files/last_folder", str(Path(path).parent))
    return Path(path)
