"""Every kind of image a user may hand over, good and bad."""

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.errors import ImageRejected
from app.intake import MAX_PIXELS, load_screenshot


def png(img: Image.Image, fmt: str = "PNG", **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def pixels(shot_png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(shot_png)))


def test_plain_png_keeps_its_size(ui_png: Path) -> None:
    shot = load_screenshot(ui_png)
    assert (shot.width, shot.height) == (640, 400)
    assert shot.device_pixel_ratio == 1.0 and shot.changes == ()
    assert Image.open(io.BytesIO(shot.png)).mode == "RGB"


def test_real_hidpi_screenshot_with_its_ratio(screens: Path) -> None:
    shot = load_screenshot(screens / "sb-admin-register-mobile.png", device_pixel_ratio=2)
    assert (shot.width, shot.height) == (780, 1688)
    assert (shot.css_width, shot.css_height) == (390, 844)


def test_palette_full_page_screenshot(screens: Path) -> None:
    shot = load_screenshot(screens / "landing-page-full.png")
    assert (shot.width, shot.height) == (1280, 3812)
    assert Image.open(io.BytesIO(shot.png)).mode == "RGB"


def test_retina_dpi_means_ratio_two() -> None:
    data = png(Image.new("RGB", (200, 100), "white"), dpi=(144, 144))
    assert load_screenshot(data).device_pixel_ratio == 2.0


def test_exif_orientation_is_applied() -> None:
    img = Image.new("RGB", (300, 100), "white")
    img.paste((255, 0, 0), (0, 0, 30, 100))  # red strip on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: display turned 90 degrees clockwise
    shot = load_screenshot(png(img, "JPEG", exif=exif, quality=95))
    assert (shot.width, shot.height) == (100, 300)
    top = pixels(shot.png)[5, 50]
    assert top[0] > 200 and top[1] < 60  # the red strip is now on top
    assert any("EXIF" in c for c in shot.changes)


def test_alpha_is_flattened_on_white() -> None:
    img = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    img.paste((0, 0, 255, 255), (0, 0, 32, 64))
    shot = load_screenshot(png(img))
    a = pixels(shot.png)
    assert tuple(a[10, 50]) == (255, 255, 255) and tuple(a[10, 10]) == (0, 0, 255)
    assert any("transparency" in c for c in shot.changes)


def test_palette_with_transparency() -> None:
    img = Image.new("P", (40, 40), 0)
    img.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    img.paste(1, (0, 0, 20, 40))
    shot = load_screenshot(png(img, transparency=0))
    a = pixels(shot.png)
    assert tuple(a[5, 30]) == (255, 255, 255) and tuple(a[5, 5]) == (255, 0, 0)


def test_cmyk_jpeg() -> None:
    shot = load_screenshot(png(Image.new("CMYK", (64, 64), (0, 255, 255, 0)), "JPEG"))
    r, g, b = pixels(shot.png)[10, 10]
    assert r > 200 and g < 60 and b < 60
    assert any("CMYK" in c for c in shot.changes)


def test_sixteen_bit_grey() -> None:
    a = np.full((50, 50), 65535, dtype=np.uint16)
    a[:, :25] = 32768
    shot = load_screenshot(png(Image.fromarray(a)))
    out = pixels(shot.png)
    assert tuple(out[0, 40]) == (255, 255, 255)
    assert 120 <= out[0, 10][0] <= 135
    assert any("8 bits" in c for c in shot.changes)


def test_animated_gif_uses_first_frame() -> None:
    frames = [Image.new("RGB", (60, 60), c) for c in ("red", "lime", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100)
    shot = load_screenshot(buf.getvalue())
    r, g, _ = pixels(shot.png)[30, 30]
    assert r > 200 and g < 50
    assert any("first of 3 frames" in c for c in shot.changes)


@pytest.mark.parametrize("data, message", [
    (b"", "Not an image: "),
    (b"<html>not an image</html>", "Not an image: "),
    (b"%PDF-1.7 a document", "Not an image: "),
])
def test_not_an_image(data: bytes, message: str) -> None:
    with pytest.raises(ImageRejected, match=message):
        load_screenshot(data)


def test_damaged_png() -> None:
    data = png(Image.new("RGB", (300, 300), "white"))
    with pytest.raises(ImageRejected, match="damaged or cut short"):
        load_screenshot(data[: len(data) // 2])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageRejected, match="no such file"):
        load_screenshot(tmp_path / "nope.png")


def test_too_small() -> None:
    with pytest.raises(ImageRejected, match="only 10x200 pixels"):
        load_screenshot(png(Image.new("RGB", (10, 200))))


def test_absurd_aspect() -> None:
    with pytest.raises(ImageRejected, match="more than 40 times longer"):
        load_screenshot(png(Image.new("RGB", (20, 4000))))


def test_decompression_bomb_is_refused_before_decoding() -> None:
    # A 1-bit PNG of 10000x10000 is tiny on disk but 100 megapixels decoded.
    data = png(Image.new("1", (10_000, 10_000)))
    assert len(data) < 100_000
    with pytest.raises(ImageRejected, match="megapixels") as e:
        load_screenshot(data)
    assert f"{MAX_PIXELS / 1e6:.0f}" in str(e.value)


def test_bad_ratio(ui_png: Path) -> None:
    with pytest.raises(ImageRejected, match="pixel ratio"):
        load_screenshot(ui_png, device_pixel_ratio=9)
