"""Turn whatever image the user hands over into a clean RGB PNG the model and the renderer can
use, keeping its pixel size and device pixel ratio, and saying what was changed."""

from __future__ import annotations

import functools
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from app.errors import ImageRejected

MIN_SIDE = 16
MAX_PIXELS = 50_000_000  # a 1920-wide page 26,000 px tall; past that, crop first
MAX_ASPECT = 40.0
RETINA_DPI = 144  # macOS marks 2x screenshots as 144 dpi


@dataclass(frozen=True, kw_only=True)
class Screenshot:
    """A normalised screenshot: PNG bytes plus the facts the renderer needs."""

    png: bytes
    width: int  # physical pixels
    height: int
    device_pixel_ratio: float = 1.0
    source: str = ""
    changes: tuple[str, ...] = ()

    @property
    def css_width(self) -> int:
        return round(self.width / self.device_pixel_ratio)

    @property
    def css_height(self) -> int:
        return round(self.height / self.device_pixel_ratio)

    def image(self) -> Image.Image:
        return Image.open(io.BytesIO(self.png))

    @functools.cached_property
    def rgb(self) -> np.ndarray:
        """The pixels, decoded once: every comparison with this screenshot reads them."""
        return np.asarray(self.image().convert("RGB"))

    def describe(self) -> str:
        """"shot.png: 1280x800 px at 2x (made opaque)"."""
        scale = f" at {self.device_pixel_ratio:g}x" if self.device_pixel_ratio != 1 else ""
        notes = f" ({'; '.join(self.changes)})" if self.changes else ""
        return f"{Path(self.source).name}: {self.width}x{self.height} px{scale}{notes}"


def _to_rgb(img: Image.Image, changes: list[str]) -> Image.Image:
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(img, dtype=np.float64)
        top = 65535.0 if mode.startswith("I;16") or a.max() > 255 else 255.0
        img = Image.fromarray(np.clip(a / top * 255.0, 0, 255).astype(np.uint8), "L")
        changes.append(f"{mode} high-bit-depth image scaled to 8 bits")
    if mode == "CMYK":
        changes.append("CMYK converted to RGB")
    if mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = img.convert("RGBA")
        if rgba.getchannel("A").getextrema()[0] < 255:
            flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            flat.alpha_composite(rgba)
            changes.append("transparency flattened onto white")
            rgba = flat
        return rgba.convert("RGB")
    return img.convert("RGB")


def _dpr_from_dpi(img: Image.Image) -> float:
    dpi = img.info.get("dpi")
    if dpi and abs(float(dpi[0]) - RETINA_DPI) < 1:
        return 2.0
    return 1.0


def load_screenshot(source: Path | str | bytes, *, device_pixel_ratio: float | None = None,
                    name: str | None = None) -> Screenshot:
    """Read and normalise an image from a path or raw bytes (a paste or a drop).

    ``device_pixel_ratio`` None reads it from the file (144 dpi means 2x) or assumes 1."""
    label = name or (str(source) if not isinstance(source, bytes) else "image data")
    if isinstance(source, (str, Path)):
        path = Path(source).expanduser()
        if not path.is_file():
            raise ImageRejected(f"{path}: no such file.", source=label)
        data = path.read_bytes()
    else:
        data = source
    if device_pixel_ratio is not None and not 0.5 <= device_pixel_ratio <= 4:
        raise ImageRejected(f"Device pixel ratio {device_pixel_ratio}: use 0.5 to 4.", source=label)
    changes: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise ImageRejected(
                    f"{label} is {w}x{h} pixels ({w * h / 1e6:.0f} megapixels); the most "
                    f"ShotClone takes is {MAX_PIXELS / 1e6:.0f}. Crop it to the part to clone.",
                    source=label)
            if getattr(img, "n_frames", 1) > 1:
                img.seek(0)
                changes.append(f"animated image: first of {img.n_frames} frames used")
            img.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageRejected(
            f"{label} is too large to open safely ({e}); the most ShotClone takes is "
            f"{MAX_PIXELS / 1e6:.0f} megapixels. Crop it to the part to clone.",
            source=label) from e
    except UnidentifiedImageError as e:
        raise ImageRejected(
            f"Not an image: {label}. Use a PNG, JPEG, WebP, GIF or BMP screenshot.",
            source=label) from e
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageRejected(f"{label} is damaged or cut short ({e}). Take the screenshot "
                            "again.", source=label) from e
    dpr = device_pixel_ratio or _dpr_from_dpi(img)
    if img.getexif().get(0x0112, 1) != 1:  # EXIF Orientation
        img = ImageOps.exif_transpose(img)
        changes.append("rotated as its EXIF orientation says")
    img = _to_rgb(img, changes)
    w, h = img.size
    if min(w, h) < MIN_SIDE:
        raise ImageRejected(f"{label} is only {w}x{h} pixels; a screenshot needs at least "
                            f"{MIN_SIDE} on each side.", source=label)
    if max(w, h) / min(w, h) > MAX_ASPECT:
        raise ImageRejected(f"{label} is {w}x{h} pixels, more than {MAX_ASPECT:.0f} times "
                            "longer than wide; crop it into parts.", source=label)
    out = io.BytesIO()
    img.save(out, "PNG")
    return Screenshot(png=out.getvalue(), width=w, height=h, device_pixel_ratio=dpr,
                      source=label, changes=tuple(changes))
