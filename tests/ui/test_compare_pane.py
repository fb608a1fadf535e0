"""The comparison views: a frame around each page, a legend for the heatmap, and score bands
that cover every value with colours people would agree with."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QPalette

from app.review.compare import ANTIALIAS_RGB, DIFFERS_RGB
from app.ui.compare_pane import SCORE_BANDS, ComparePane, score_band
from tests.conftest import make_ui_png


def test_every_similarity_falls_in_one_band_and_the_tooltip_lists_them(qtbot: object) -> None:
    levels = [score_band(i / 100)[0] for i in range(101)]
    assert set(levels) == {level for _, level, _ in SCORE_BANDS}
    assert levels == sorted(levels, key=[b[1] for b in reversed(SCORE_BANDS)].index)
    assert score_band(0.63)[0] not in ("poor", "weak")  # looks close: not red
    pane = ComparePane()
    qtbot.addWidget(pane)  # type: ignore[attr-defined]
    tip = pane.badge.toolTip()
    assert "0.00–" in tip and "–1.00" in tip
    for low, _, meaning in SCORE_BANDS:
        assert f"{low:.2f}" in tip and meaning in tip
    pane.badge.set_score(0.63, 0.7, 0.2)
    assert pane.badge.property("level") == "fair"


def test_the_heatmap_has_a_legend_in_its_own_colours(qtbot: object) -> None:
    pane = ComparePane()
    qtbot.addWidget(pane)  # type: ignore[attr-defined]
    pane.show()
    pane.tabs.setCurrentIndex(3)
    assert pane.tabs.tabText(3) == "Differences" and pane.legend.isVisible()
    text = pane.legend.text()
    assert f"rgb{DIFFERS_RGB}" in text and f"rgb{ANTIALIAS_RGB}" in text
    assert "differs" in text and "anti-aliasing" in text


def test_each_page_has_a_frame(qtbot: object) -> None:
    pane = ComparePane()
    qtbot.addWidget(pane)  # type: ignore[attr-defined]
    pane.resize(900, 700)
    pane.show()
    pane.tabs.setCurrentIndex(1)
    assert not pane.original.frame.isVisible()
    pane.show_original(make_ui_png())
    pane.show_render(np.full((400, 640, 3), 255, np.uint8))
    for view in (pane.original, pane.clone):
        assert view.frame.isVisible()
        assert view.frame.rect() == view.item.boundingRect()
    qtbot.wait(10)  # type: ignore[attr-defined]
    shot = pane.clone.viewport().grab().toImage()
    mid = pane.clone.palette().color(QPalette.ColorRole.Mid).rgb() & 0xFFFFFF
    row = shot.height() // 2
    colours = {shot.pixel(x, row) & 0xFFFFFF for x in range(shot.width())}
    assert mid in colours  # the frame's edge, drawn around the all-white clone
