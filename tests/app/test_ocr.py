"""OCR of real screenshots: the known strings are found, colours are the text's, and each
picture is read once (memory, then the folder's ocr.json)."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.review import ocr
from app.review.ocr import OCR_FILE, ocr_available, ocr_blocks
from tests.app.screen_texts import KNOWN, found

pytestmark = pytest.mark.skipif(not ocr_available(), reason="no OCR engine installed")


def rgb(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


@pytest.mark.parametrize("name", ["sb-admin-login.png", "wave-login-form.png",
                                  "split-landing.png", "sb-admin-register-mobile.png"])
def test_ocr_finds_the_known_strings(screens: Path, name: str) -> None:
    blocks = ocr_blocks(rgb(screens / name))
    text = " ".join(b.text for b in blocks)
    assert found(text, KNOWN[name]) == KNOWN[name]


def test_button_text_is_read_in_its_own_colour(screens: Path) -> None:
    blocks = ocr_blocks(rgb(screens / "sb-admin-login.png"))
    login = next(b for b in blocks if b.text.strip() == "Login")
    assert min(login.color) > 230  # white on the blue button, not the button's blue
    heading = next(b for b in blocks if b.text.replace(" ", "") == "WelcomeBack!")
    assert max(heading.color) < 100  # dark grey on white


def test_a_picture_is_read_once(screens: Path, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    picture = rgb(screens / "verify-code.png")
    first = ocr_blocks(picture, tmp_path)
    saved = json.loads((tmp_path / OCR_FILE).read_text())
    assert len(saved["blocks"]) == len(first)

    def no_engine(*args: object) -> None:
        raise AssertionError("read again")

    monkeypatch.setattr(ocr._engine, "lines", no_engine)
    assert ocr_blocks(picture) == first  # memory
    ocr._cache.clear()
    assert ocr_blocks(picture, tmp_path) == first  # the folder
    (tmp_path / OCR_FILE).write_text("{damaged")
    ocr._cache.clear()
    monkeypatch.undo()
    assert ocr_blocks(picture, tmp_path) == first  # read again, and saved again
    assert json.loads((tmp_path / OCR_FILE).read_text())["blocks"] == saved["blocks"]
