"""The clone and the original together: the live preview, side by side, an onion-skin overlay
with a slider, and the difference heatmap, all zoomed and scrolled in step, with the scores
in a small badge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSlider,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.ui.image_view import ZOOM_STEP, ImageView, Placeholder, ViewSync

if TYPE_CHECKING:
    from app.review.review import Review

# (lowest similarity, badge level, what it means): every value falls in exactly one band.
SCORE_BANDS = (
    (0.85, "good", "a close clone"),
    (0.6, "fair", "the right layout; details differ"),
    (0.4, "weak", "parts match; a lot differs"),
    (0.0, "poor", "a different page"),
)


def score_band(similarity: float) -> tuple[str, str]:
    """(level, meaning) of the band ``similarity`` falls in."""
    return next((level, meaning) for low, level, meaning in SCORE_BANDS if similarity >= low)


def _band_lines() -> str:
    lines, high = [], "1.00"
    for low, _, meaning in SCORE_BANDS:
        lines.append(f"{low:.2f}–{high}: {meaning}")
        high = f"{low:.2f}"
    return "<br>".join(lines)


SCORE_HELP = (
    "<b>Similarity</b> (0–1, 1 = identical) is the mean of five scores, as Design2Code "
    "scores a clone: the screenshot's text (read by OCR) matched with the clone's, then "
    "<b>block</b> (how much of the text is there at all), <b>text</b> (how alike the words "
    "are), <b>position</b> and <b>colour</b> of the matched text, and <b>visual</b> (the "
    f"pictures' structure and pixels).<br>{_band_lines()}<br>The Differences tab outlines "
    "the screenshot's text the clone lacks (orange) or words differently (violet)."
)


def score_details(review: Review) -> str:
    """Every sub-score, as the first lines of the badge's tooltip."""
    c = review.comparison
    rows = [("similarity", review.similarity)]
    if review.text is not None:
        t = review.text
        rows += [("block", t.block), ("text", t.text), ("position", t.position),
                 ("colour", t.colour)]
    rows += [("visual", c.similarity), ("SSIM", c.ssim), ("pixels differing", c.pixel_mismatch)]
    table = "".join(f"<tr><td>{name}</td><td align='right'>{value:.3f}</td></tr>"
                    for name, value in rows)
    return f"<table>{table}</table><br>"


def heat_legend() -> str:
    """The heatmap's colours in words, drawn with the very colours it uses."""
    from app.review.compare import ANTIALIAS_RGB, DIFFERS_RGB
    from app.review.review import MISSING_OUTLINE, MISTEXTED_OUTLINE

    def swatch(rgb: tuple[int, int, int], words: str) -> str:
        return f"<span style='color: rgb{rgb}; font-size: 16px'>■</span> {words}"

    return "&nbsp;&nbsp;&nbsp;".join([
        swatch(DIFFERS_RGB, "differs, or not covered by the clone"),
        swatch(ANTIALIAS_RGB, "anti-aliasing only (not counted)"),
        swatch(MISSING_OUTLINE, "text the clone lacks"),
        swatch(MISTEXTED_OUTLINE, "text worded differently"),
        "faded: the original, where it matches"])


def _qimage(rgb: object) -> QImage:
    import numpy as np

    a = np.ascontiguousarray(rgb)
    h, w = a.shape[:2]
    return QImage(a.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class ScoreBadge(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ScoreBadge")
        self.setToolTip(SCORE_HELP)
        self.clear_score()

    def clear_score(self) -> None:
        self.setText("no score yet")
        self.setToolTip(SCORE_HELP)
        self.setProperty("level", "none")
        self._restyle()

    def set_score(self, similarity: float, ssim: float, mismatch: float) -> None:
        self.setText(f"similarity {similarity:.2f}  ·  SSIM {ssim:.2f}  ·  "
                     f"{mismatch:.1%} pixels differ")
        self.setProperty("level", score_band(similarity)[0])
        self._restyle()

    def _restyle(self) -> None:
        self.style().unpolish(self)
        self.style().polish(self)


class ComparePane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QTabWidget()
        self.preview = ImageView()
        self.original = ImageView()
        self.clone = ImageView()
        self.overlay = ImageView()
        self.heatmap = ImageView()
        self.sync = ViewSync([self.preview, self.original, self.clone, self.overlay,
                              self.heatmap], self)

        self.preview_box = Placeholder(self.preview, "The rendered page shows here, updated "
                                       "while the HTML streams in.")
        side = QWidget()
        row = QHBoxLayout(side)
        row.setContentsMargins(0, 0, 0, 0)
        for title, view in (("Original", self.original), ("Clone", self.clone)):
            col = QVBoxLayout()
            label = QLabel(title)
            label.setObjectName("PaneTitle")
            col.addWidget(label)
            col.addWidget(view)
            row.addLayout(col)
        onion = QWidget()
        col = QVBoxLayout(onion)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.overlay)
        self.slider = QSlider(Qt.Orientation.Horizontal, minimum=0, maximum=100, value=50)
        self.slider.setToolTip("Left: the original; right: the clone")
        self.slider.valueChanged.connect(self._blend)
        slider_row = QHBoxLayout()
        slider_row.addWidget(QLabel("Original"))
        slider_row.addWidget(self.slider)
        slider_row.addWidget(QLabel("Clone"))
        col.addLayout(slider_row)
        self.tabs.addTab(self.preview_box, "Preview")
        self.tabs.addTab(side, "Side by side")
        self.tabs.addTab(onion, "Overlay")
        differences = QWidget()
        col = QVBoxLayout(differences)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.heatmap)
        self.legend = QLabel(heat_legend())
        self.legend.setObjectName("HeatLegend")
        col.addWidget(self.legend)
        self.tabs.addTab(differences, "Differences")
        self.badge = ScoreBadge()
        header = QHBoxLayout()
        title = QLabel("Clone")
        title.setObjectName("PaneTitle")
        header.addWidget(title)
        header.addStretch(1)
        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("ZoomLabel")
        self.zoom_label.setToolTip("Zoom: Ctrl+wheel or Ctrl++ / Ctrl+-; Ctrl+0 fits, "
                                   "Ctrl+1 is 100%")
        header.addWidget(self.zoom_label)
        header.addWidget(self.badge)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.tabs)
        self._clone_picture: QImage | None = None
        self.tabs.currentChanged.connect(lambda _: self._on_tab())
        for view in self.sync.views:
            view.zoomed.connect(lambda _: self._show_zoom())

    # -- zoom: one level for every view and tab, shown beside the badge

    def zoom_by(self, factor: float) -> None:
        view = self.sync.visible_view()
        if view is not None:
            view.zoom_by(factor)

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1 / ZOOM_STEP)

    def zoom_actual(self) -> None:
        self.zoom_to(1.0)

    def zoom_to(self, scale: float) -> None:
        view = self.sync.visible_view()
        if view is not None:
            view.set_scale(scale)
            view.zoomed.emit(view.scale_factor())

    def zoom_fit(self) -> None:
        self.sync.fit()
        self._show_zoom()

    def _show_zoom(self) -> None:
        view = self.sync.visible_view()
        if view is None:
            self.zoom_label.clear()
            return
        percent = f"{view.scale_factor():.0%}"
        self.zoom_label.setText(f"Fit · {percent}" if self.sync.fitted() else percent)

    def _on_tab(self) -> None:
        """A tab shown for the first time fits (or takes the zoom of) the one before."""
        if self.sync.fitted():
            self.sync.fit()
        else:
            view = self.sync.visible_view()
            scales = [v.scale_factor() for v in self.sync.views if v is not view]
            if view is not None and scales:
                view.set_scale(max(set(scales), key=scales.count))
        self._show_zoom()

    def show_original(self, png: bytes) -> None:
        self.original.set_picture(png)
        self.overlay.set_picture(png)
        self.badge.clear_score()
        self.sync.fit()  # a new screenshot starts fitted, whatever the last one was zoomed to
        for view in (self.clone, self.heatmap, self.preview):
            view.set_picture(None)
        self.overlay.set_overlay(None, 0)
        self.preview_box.show_view(False)

    def show_render(self, rgb: object) -> None:
        image = _qimage(rgb)
        self.preview.set_picture(image)
        self.preview_box.show_view(True)
        self.clone.set_picture(image)
        self._clone_picture = image
        self._blend()

    def show_review(self, review: Review) -> None:
        self.show_render(review.rendered.rgb)
        comparison = review.comparison
        self.heatmap.set_picture(_qimage(review.heatmap))  # computed once, off the UI thread
        self.badge.set_score(review.similarity, comparison.ssim, comparison.pixel_mismatch)
        self.badge.setToolTip(score_details(review) + SCORE_HELP)

    def _blend(self) -> None:
        self.overlay.set_overlay(self._clone_picture, self.slider.value() / 100)
