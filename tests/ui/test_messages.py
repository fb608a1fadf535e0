"""Errors in plain words: no exception names or tracebacks in the message (they are behind
Details and in the log), command-line flags named as the settings they are."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication

from app.ui.main_window import MainWindow
from inference.errors import ModelMismatch
from tests.ui.test_main_window import drop, file_mime

Make = Callable[[], MainWindow]


def test_the_clipboard_is_named(make_main_window: Make) -> None:
    w = make_main_window()
    QGuiApplication.clipboard().setText("some notes")
    w.paste_action.trigger()
    assert w.banner.message.text().startswith("The clipboard holds text, not an image")
    QGuiApplication.clipboard().clear()
    w.paste_action.trigger()
    assert w.banner.message.text().startswith("The clipboard holds no image")


def test_not_an_image_in_plain_words(make_main_window: Make, qtbot: object,
                                     tmp_path: Path) -> None:
    w = make_main_window()
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list")
    drop(w.drop_zone, file_mime(notes))
    qtbot.waitUntil(lambda: w.banner.level == "error")  # type: ignore[attr-defined]
    text = w.banner.message.text()
    assert text.startswith("Not an image: notes.txt.") and "Error" not in text


def test_surprises_keep_their_traceback_behind_details_and_in_the_log(
        make_main_window: Make, caplog: pytest.LogCaptureFixture) -> None:
    w = make_main_window()
    try:
        {}["model"]
    except KeyError as e:
        error = e
    with caplog.at_level(logging.ERROR, logger="shotclone"):
        w.show_error(error, "Could not reopen that run")
    assert w.banner.message.text() == "Could not reopen that run: 'model'"
    assert "Traceback" not in w.banner.message.text()
    assert w.banner.details_button.isVisible()
    assert "Traceback" in w.banner.details.toPlainText()
    assert "Traceback" in caplog.text and "Could not reopen that run" in caplog.text


def test_flags_become_setting_names(make_main_window: Make) -> None:
    w = make_main_window()
    w.show_error(ModelMismatch("x.gguf is a text-only model. Give its projector with --mmproj."))
    assert w.banner.message.text() == \
        "x.gguf is a text-only model. Give its projector with “Vision projector”."
