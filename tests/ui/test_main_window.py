"""The desktop app, driven like a user drives it: real widgets, real drops, the real pipeline
with the tiny model, real Chromium."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from app.review.ocr import OCR_FILE, ocr_available
from app.settings import Settings, load_settings
from app.ui.main_window import MainWindow
from app.ui.settings_dialog import SettingsDialog
from tests.ui.helpers import open_and_wait

Make = Callable[[], MainWindow]
RUN_S = 60_000


def drop(widget: object, mime: QMimeData) -> None:
    """A real drag-enter and drop, as the window system delivers them."""
    pos = QPointF(20, 20)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(QPoint(20, 20), actions, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    event = QDropEvent(pos, actions, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def file_mime(path: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


def wait_done(qtbot: object, w: MainWindow) -> None:
    qtbot.waitUntil(lambda: w.review is not None and not w.running, timeout=RUN_S)  # type: ignore[attr-defined]


def cloned_window(make: Make, qtbot: object, image: Path) -> MainWindow:
    """A window that has opened ``image``, cloned it and compared the clone."""
    w = make()
    open_and_wait(qtbot, w, image)
    w.generate()
    wait_done(qtbot, w)
    return w


def test_drop_a_png_generate_and_compare(make_main_window: Make, qtbot: object,
                                         screens: Path, tiny_settings: Settings) -> None:
    w = make_main_window()
    drop(w.drop_zone, file_mime(screens / "sb-admin-login.png"))
    qtbot.waitUntil(lambda: w.shot is not None)  # type: ignore[attr-defined]
    assert (w.shot.width, w.shot.height) == (1280, 800)
    assert w.compare.original.has_picture()
    w.generate_action.trigger()
    wait_done(qtbot, w)
    html = w.code.page_text()
    assert html.startswith("<!DOCTYPE html>")
    assert w.status.tokens.text() == "200 tokens" and "tok/s" in w.status.speed.text()
    for view in (w.compare.preview, w.compare.clone, w.compare.heatmap, w.compare.original):
        assert view.has_picture()
    assert w.compare.badge.text().startswith("similarity 0.")
    tip = w.compare.badge.toolTip()
    assert "similarity" in tip.lower() and "visual" in tip and "SSIM" in tip
    if ocr_available():  # every sub-score in the tooltip
        assert all(name in tip for name in ("block", "text", "position", "colour"))
    entry = w.history.entries()[0]
    assert entry.meta["status"] == "done" and entry.meta["stats"]["completion_tokens"] == 200
    qtbot.waitUntil(lambda: (entry.folder / "scores.json").is_file())  # saved off the UI thread  # type: ignore[attr-defined]
    for name in ("screenshot.png", "stream.txt", "page.html", "render.png", "diff.png",
                 "scores.json"):
        assert (entry.folder / name).is_file(), name
    assert json.loads((entry.folder / "scores.json").read_text())["similarity"] < 0.6
    if ocr_available():  # the screenshot's OCR kept with the run: reopening it reads no pixels
        qtbot.waitUntil(lambda: (entry.folder / OCR_FILE).is_file())  # type: ignore[attr-defined]
    assert "ready" in w.model_status.text() and "CPU" in w.model_status.text()


def test_drop_raw_image_data(make_main_window: Make, qtbot: object) -> None:
    w = make_main_window()
    image = QImage(300, 200, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.darkCyan)
    mime = QMimeData()
    mime.setImageData(image)
    drop(w.drop_zone, mime)
    qtbot.waitUntil(lambda: w.shot is not None)  # type: ignore[attr-defined]
    assert (w.shot.width, w.shot.height) == (300, 200) and w.shot.source == "pasted image"
    assert w.generate_action.isEnabled()


def test_paste_from_the_clipboard(make_main_window: Make, qtbot: object) -> None:
    w = make_main_window()
    image = QImage(120, 90, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.yellow)
    QGuiApplication.clipboard().setImage(image)
    w.paste_action.trigger()
    qtbot.waitUntil(lambda: w.shot is not None)  # type: ignore[attr-defined]
    assert w.shot.width == 120


def test_things_that_are_not_images(make_main_window: Make, qtbot: object,
                                    tmp_path: Path) -> None:
    w = make_main_window()
    text = QMimeData()
    text.setText("hello")
    w.accept_mime(text)
    assert w.banner.isVisible() and "text, not an image" in w.banner.message.text()
    notes = tmp_path / "notes.png"
    notes.write_text("not really a png")
    drop(w.drop_zone, file_mime(notes))
    qtbot.waitUntil(lambda: "Not an image: notes.png" in w.banner.message.text())  # type: ignore[attr-defined]
    assert w.banner.level == "error" and w.shot is None
    web = QMimeData()
    web.setUrls([QUrl("https://example.com/shot.png")])
    w.accept_mime(web)
    assert "web address" in w.banner.message.text()


def test_export_is_atomic_and_asks_before_replacing(
        make_main_window: Make, qtbot: object, ui_png: Path, tmp_path: Path,
        tiny_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    w = cloned_window(make_main_window, qtbot, ui_png)
    target = tmp_path / "out" / "clone.html"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    w.export_all_action.trigger()
    qtbot.waitUntil(target.is_file)  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: (tmp_path / "out" / "clone-diff.png").is_file())  # type: ignore[attr-defined]
    assert target.read_text() == w.code.page_text()
    assert (tmp_path / "out" / "clone-render.png").is_file()
    target.write_text("my own edits")
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.No)
    assert w.output.export() is None
    assert target.read_text() == "my own edits"
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    w.output.export()
    qtbot.waitUntil(lambda: target.read_text() != "my own edits")  # type: ignore[attr-defined]
    assert not list(target.parent.glob(".clone.html.*"))


def writing_window(make: Make, qtbot: object, image: Path, tiny_model: tuple[Path, Path],
                   tokens: int) -> MainWindow:
    """A window in the middle of a long run (30,000 tokens asked for), ``tokens`` in."""
    from app.settings import save_settings

    save_settings(Settings(model=str(tiny_model[0]), mmproj=str(tiny_model[1]), n_ctx=32768,
                           max_tokens=30000, seed=1))
    w = make()
    open_and_wait(qtbot, w, image)
    w.generate()
    qtbot.waitUntil(lambda: w.run.tokens > tokens, timeout=RUN_S)  # type: ignore[attr-defined]
    return w


def test_stop_during_a_run_keeps_what_was_written(
        make_main_window: Make, qtbot: object, ui_png: Path,
        tiny_model: tuple[Path, Path]) -> None:
    w = writing_window(make_main_window, qtbot, ui_png, tiny_model, 50)
    assert w.stop_action.isEnabled() and w.stop_action.shortcut() == QKeySequence("Esc")
    w.stop_action.trigger()
    qtbot.waitUntil(lambda: not w.running, timeout=RUN_S)  # type: ignore[attr-defined]
    assert w.status.phase.text().startswith("Stopped after")
    assert w.run.tokens < 30000 and w.code.toPlainText()
    entry = w.history.entries()[0]
    assert entry.meta["status"] == "stopped"
    assert (entry.folder / "stream.txt").read_text() == w.run.text
    assert w.backend.worker is not None and w.backend.worker.alive  # the model stays loaded


def test_a_worker_crash_is_shown_and_the_next_run_works(
        make_main_window: Make, qtbot: object, ui_png: Path,
        tiny_model: tuple[Path, Path]) -> None:
    w = writing_window(make_main_window, qtbot, ui_png, tiny_model, 20)
    os.kill(w.backend.worker.pid, signal.SIGSEGV)  # as a CUDA fault would
    qtbot.waitUntil(lambda: not w.running, timeout=RUN_S)  # type: ignore[attr-defined]
    assert w.banner.isVisible() and w.banner.level == "error"
    assert "crashed" in w.banner.message.text() and "SIGSEGV" in w.banner.message.text()
    assert w.history.entries()[0].meta["status"] == "failed"
    w.settings = Settings(**{**w.settings.__dict__, "max_tokens": 50})
    w.generate()
    wait_done(qtbot, w)
    assert w.status.tokens.text() == "50 tokens"


def test_closing_during_a_run_stops_it_cleanly(make_main_window: Make, qtbot: object,
                                               ui_png: Path,
                                               tiny_model: tuple[Path, Path]) -> None:
    w = writing_window(make_main_window, qtbot, ui_png, tiny_model, 20)
    pid = w.backend.worker.pid
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=RUN_S)  # type: ignore[attr-defined]
    assert w.backend is None and not Path(f"/proc/{pid}").exists()


def test_editing_the_html_re_renders(make_main_window: Make, qtbot: object, ui_png: Path,
                                     tiny_settings: Settings) -> None:
    w = cloned_window(make_main_window, qtbot, ui_png)
    before = w.review.comparison.similarity
    w.code.setPlainText("<html><body style='margin:0;background:#f8f9fc'>"
                        "<div style='height:48px;background:#4e73df'></div></body></html>")
    qtbot.waitUntil(lambda: w.review.comparison.similarity != before, timeout=RUN_S)  # type: ignore[attr-defined]
    assert w.review.comparison.similarity > before
    assert w.history.entries()[0].meta.get("edited") is True


def test_settings_are_checked_and_survive_a_restart(make_main_window: Make, qtbot: object,
                                                    tiny_model: tuple[Path, Path]) -> None:
    w = make_main_window()
    dialog = SettingsDialog(w.settings, w)
    qtbot.addWidget(dialog)  # type: ignore[attr-defined]
    dialog.model.edit.setText(str(tiny_model[0]))
    dialog.accept()  # no projector: refused, and the dialog says why (checked off the UI thread)
    qtbot.waitUntil(lambda: not dialog.error.isHidden())  # type: ignore[attr-defined]
    assert "text-only model" in dialog.error.text()
    dialog.mmproj.edit.setText(str(tiny_model[1]))
    dialog.hotkey.setText("S")
    dialog.accept()  # a bare letter would steal typing: refused
    qtbot.waitUntil(lambda: "steal ordinary typing" in dialog.error.text())  # type: ignore[attr-defined]
    dialog.hotkey.setText("ctrl+alt+shift+x")
    assert "Ctrl+Alt+Shift+X" in dialog.hotkey_state.text()
    dialog.n_ctx.setValue(8192)
    dialog.temperature.setValue(0.7)
    dialog.gpu_layers.setValue(0)
    dialog.accept()
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted)  # type: ignore[attr-defined]
    saved = load_settings()
    assert (saved.model, saved.n_ctx, saved.temperature, saved.gpu_layers, saved.hotkey) == (
        str(tiny_model[0]), 8192, 0.7, 0, "ctrl+alt+shift+x")
    again = make_main_window()
    assert again.settings == saved
    assert Path(str(tiny_model[0])).stem in again.model_status.text()


def test_history_reopens_a_run(make_main_window: Make, qtbot: object, ui_png: Path,
                               tiny_settings: Settings) -> None:
    w = cloned_window(make_main_window, qtbot, ui_png)
    page = w.code.page_text()
    w.close()
    later = make_main_window()
    assert later.history_pane.count() == 1
    item = later.history_pane.item(0)
    later.history_pane.itemActivated.emit(item)
    qtbot.waitUntil(lambda: later.review is not None, timeout=RUN_S)  # type: ignore[attr-defined]
    assert later.code.page_text() == page
    assert later.compare.badge.text().startswith("similarity")
    assert later.history_pane.currentItem() is item  # the run shown is the one selected


def test_shortcuts(make_main_window: Make) -> None:
    w = make_main_window()
    assert w.generate_action.shortcut() == QKeySequence("Ctrl+Return")
    assert w.export_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)
    assert w.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert w.paste_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Paste)
    assert not w.generate_action.isEnabled()  # nothing to clone yet


def test_generate_through_a_model_server(make_main_window: Make, qtbot: object, ui_png: Path,
                                         tiny_model: tuple[Path, Path]) -> None:
    from app.settings import save_settings
    from tests.inference.servers import LlamaServer

    server = LlamaServer(*tiny_model)
    try:
        save_settings(Settings(endpoint=server.url, max_tokens=40, seed=1))
        w = make_main_window()
        assert w.model_status.text().startswith(f"Server {server.url}")
        open_and_wait(qtbot, w, ui_png)
        w.generate()
        wait_done(qtbot, w)
        assert w.status.tokens.text() == "40 tokens"
        assert w.history.entries()[0].meta["settings"]["endpoint"] == server.url
    finally:
        server.kill()


def test_a_broken_settings_file_opens_with_the_defaults(make_main_window: Make) -> None:
    from app.settings import settings_path

    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text("gpu_layers = true\n")
    w = make_main_window()
    assert w.settings == Settings()
    assert w.banner.isVisible() and "gpu_layers = True" in w.banner.message.text()
    assert "default settings" in w.banner.message.text()
