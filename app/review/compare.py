"""How close a render is to the original: pixel mismatch (pixelmatch's perceptual YIQ
distance, anti-aliased pixels ignored), structural similarity (SSIM), one overall score, and
the pictures that show where they differ.

``similarity`` = coverage x (structure + (1 − mismatch) + content agreement) / 3, where
- structure = √(SSIM x weighted SSIM), both clipped at 0: plain mean SSIM forgives a page that
  gets only the empty background right; the structure-weighted mean (each window counted by
  how much detail it holds) does not, but punishes a small shift hard; their geometric mean sits
  between;
- mismatch is the fraction of differing pixels in the common area;
- content agreement is the share of pixels holding something (not the original's background
  colour, in either image) that do not differ: a blank page agrees with none of them;
- coverage is the common area over the union of both images, so a render of the wrong size
  loses the area it misses.
Measured on real 1280x800 screenshots: identical 1.0; one button recoloured 0.985; the whole
page shifted 12 px 0.74; a different page 0.39-0.46; a blank page 0.30."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

MAX_YIQ_DELTA = 35215.0  # the largest possible YIQ distance between two colours
_NEIGHBOURS = [(dy, dx) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if dx or dy]  # pixelmatch order
_SSIM_WINDOW = 7
_SSIM_C1, _SSIM_C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
_SSIM_ROWS = 1024  # SSIM is computed in strips of this many rows to bound memory on tall pages
_SSIM_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ssim")


@dataclass(frozen=True, kw_only=True)
class CompareConfig:
    threshold: float = 0.1  # pixelmatch's default: 0 exact … 1 lenient
    count_antialiasing: bool = False  # count anti-aliased edge pixels as differences


@dataclass(frozen=True, kw_only=True, eq=False)
class Comparison:
    similarity: float
    ssim: float
    weighted_ssim: float
    pixel_mismatch: float  # differing pixels (and the area only one image covers) over the union
    mismatched_pixels: int
    antialiased_pixels: int
    coverage: float  # common area over union area
    content_agreement: float  # share of the pixels holding something (not background) that agree
    original_size: tuple[int, int]
    render_size: tuple[int, int]
    diff_mask: np.ndarray = field(repr=False)  # bool, common area
    aa_mask: np.ndarray = field(repr=False)
    ssim_map: np.ndarray = field(repr=False)  # float, common area

    def scores(self) -> dict[str, Any]:
        return {
            "similarity": round(self.similarity, 4),
            "ssim": round(self.ssim, 4),
            "weighted_ssim": round(self.weighted_ssim, 4),
            "pixel_mismatch": round(self.pixel_mismatch, 4),
            "mismatched_pixels": self.mismatched_pixels,
            "antialiased_pixels": self.antialiased_pixels,
            "coverage": round(self.coverage, 4),
            "content_agreement": round(self.content_agreement, 4),
            "original_size": list(self.original_size),
            "render_size": list(self.render_size),
        }


def _rgb(img: Image.Image | np.ndarray) -> np.ndarray:
    if isinstance(img, Image.Image):
        img = np.asarray(img.convert("RGB"))
    return np.ascontiguousarray(img[..., :3], dtype=np.uint8)


_RGB_TO_YIQ = np.array([[0.29889531, 0.58662247, 0.11448223],
                        [0.59597799, -0.27417610, -0.32180189],
                        [0.21147017, -0.52261711, 0.31114694]], np.float32).T
_YIQ_WEIGHTS = np.array([0.5053, 0.299, 0.1957], np.float32)


def _yiq(a: np.ndarray) -> np.ndarray:
    """Each pixel in YIQ (one matrix product, so BLAS does it); Y is pixelmatch's luma."""
    return a.astype(np.float32) @ _RGB_TO_YIQ


def _yiq_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """pixelmatch's perceptual colour distance between YIQ pixels (or a pixel and one colour)."""
    d = a - b
    np.square(d, out=d)
    return d @ _YIQ_WEIGHTS


@dataclass(frozen=True)
class _Padded:
    """An image flattened with a one-pixel frame, so a pixel's 8 neighbours are fixed offsets
    from its flat index; the frame matches nothing (NaN luma, -1 colour)."""

    luma: np.ndarray
    colour: np.ndarray
    border: np.ndarray  # 1 on the image's own edge pixels: pixelmatch counts that as a sibling
    offsets: tuple[int, ...]

    @classmethod
    def of(cls, rgb: np.ndarray, luma: np.ndarray) -> _Padded:
        h, w = luma.shape
        packed = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) \
            | rgb[..., 2]
        edge = np.zeros((h, w), np.int8)
        edge[[0, -1], :] = 1
        edge[:, [0, -1]] = 1
        return cls(luma=np.pad(luma, 1, constant_values=np.nan).ravel(),
                   colour=np.pad(packed, 1, constant_values=-1).ravel(),
                   border=np.pad(edge, 1).ravel(),
                   offsets=tuple(dy * (w + 2) + dx for dy, dx in _NEIGHBOURS))

    def index(self, rows: np.ndarray, cols: np.ndarray, w: int) -> np.ndarray:
        return (rows + 1) * (w + 2) + cols + 1

    def many_siblings(self, idx: np.ndarray) -> np.ndarray:
        """pixelmatch's hasManySiblings: more than 2 identical neighbours."""
        centre = self.colour[idx]
        same = self.border[idx].copy()
        for off in self.offsets:
            same += self.colour[idx + off] == centre
        return same > 2

    def antialiased(self, other: _Padded, idx: np.ndarray) -> np.ndarray:
        """pixelmatch's antialiased() for many pixels at once: a pixel with both a darker and a
        brighter neighbour, either of which sits in a flat area in both images."""
        centre = self.luma[idx]
        zeroes = self.border[idx].copy()
        lo = np.zeros(len(idx), np.float32)
        hi = np.zeros(len(idx), np.float32)
        lo_at = np.zeros(len(idx), np.intp)
        hi_at = np.zeros(len(idx), np.intp)
        for off in self.offsets:  # strict comparisons keep the first extreme, as pixelmatch
            d = centre - self.luma[idx + off]  # NaN outside the image: never counted
            zeroes += d == 0
            darker, brighter = d < lo, d > hi
            lo = np.where(darker, d, lo)
            lo_at = np.where(darker, off, lo_at)
            hi = np.where(brighter, d, hi)
            hi_at = np.where(brighter, off, hi_at)
        result = (zeroes <= 2) & (lo < 0) & (hi > 0)
        keep = np.nonzero(result)[0]
        flat = np.zeros(len(keep), bool)
        for at in (lo_at, hi_at):
            n = idx[keep] + at[keep]
            flat |= self.many_siblings(n) & other.many_siblings(n)
        result[keep] = flat
        return result


def _box_valid(a: np.ndarray, win: int) -> np.ndarray:
    c = np.pad(a, ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    return (c[win:, win:] - c[:-win, win:] - c[win:, :-win] + c[:-win, :-win]) / (win * win)


def _ssim_strip(x: np.ndarray, y: np.ndarray, win: int) -> tuple[np.ndarray, np.ndarray]:
    """SSIM map of a strip, and each window's weight: how much structure the two hold."""
    n = win * win
    cov = n / (n - 1) if n > 1 else 1.0
    ux, uy = _box_valid(x, win), _box_valid(y, win)
    vx = cov * (_box_valid(x * x, win) - ux * ux)
    vy = cov * (_box_valid(y * y, win) - uy * uy)
    vxy = cov * (_box_valid(x * y, win) - ux * uy)
    weight = vx + vy + _SSIM_C2
    return ((2 * ux * uy + _SSIM_C1) * (2 * vxy + _SSIM_C2)) / \
        ((ux * ux + uy * uy + _SSIM_C1) * weight), weight


def _shrink(a: np.ndarray, f: int) -> np.ndarray:
    if f == 1:
        return a
    h, w = a.shape[0] // f * f, a.shape[1] // f * f
    return a[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3))


def ssim(a: np.ndarray, b: np.ndarray) -> tuple[float, float, np.ndarray]:
    """SSIM of two luma images: (mean, structure-weighted mean, map at the input size).

    A 7x7 uniform window as scikit-image uses; large images are first averaged down so a window
    spans at least 1/400 of the short side, as Wang et al.'s reference code does (and it is
    4x faster). The weighted mean counts each window by how much structure it holds, so two
    blank areas agreeing count for little. 1xN images get a smaller window."""
    f = max(1, min(a.shape) // 400)
    a, b = _shrink(a, f), _shrink(b, f)
    h, w = a.shape
    win = min(_SSIM_WINDOW, h, w)
    win -= 1 - win % 2  # odd
    maps, weights = [], []
    for top in range(0, h - win + 1, _SSIM_ROWS):
        bottom = min(h, top + _SSIM_ROWS + win - 1)
        m, wt = _ssim_strip(a[top:bottom].astype(np.float64), b[top:bottom].astype(np.float64),
                            win)
        maps.append(m)
        weights.append(wt)
    valid, weight = np.concatenate(maps), np.concatenate(weights)
    weighted = float((valid * weight).sum() / weight.sum())
    full = np.pad(valid.astype(np.float32), win // 2, mode="edge")
    return float(valid.mean()), weighted, np.kron(full, np.ones((f, f), np.float32)) \
        if f > 1 else full


def _background(a: np.ndarray) -> np.ndarray:
    """The most common colour of an image (sampled on a grid, which is plenty for a UI)."""
    step = max(1, int((a.shape[0] * a.shape[1] / 65536) ** 0.5))
    sample = a[::step, ::step].reshape(-1, 3).astype(np.int32)
    packed = (sample[:, 0] << 16) | (sample[:, 1] << 8) | sample[:, 2]
    colours, counts = np.unique(packed, return_counts=True)
    top = int(colours[counts.argmax()])
    return np.array([top >> 16, (top >> 8) & 255, top & 255], dtype=np.uint8)


def _content(yiq: np.ndarray, background: np.ndarray, threshold: float) -> np.ndarray:
    """Pixels that visibly differ from the background colour: where the page has something."""
    return _yiq_distance(yiq, _yiq(background)) > MAX_YIQ_DELTA * threshold ** 2


def compare(original: Image.Image | np.ndarray, render: Image.Image | np.ndarray,
            config: CompareConfig | None = None) -> Comparison:
    config = config or CompareConfig()
    a, b = _rgb(original), _rgb(render)
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    union = a.shape[0] * a.shape[1] + b.shape[0] * b.shape[1] - h * w
    a_c, b_c = a[:h, :w], b[:h, :w]
    yiq_a, yiq_b = _yiq(a_c), _yiq(b_c)
    la, lb = yiq_a[..., 0], yiq_b[..., 0]
    # SSIM runs beside the pixel work: numpy lets go of the GIL, and there are two cores.
    ssim_job = _SSIM_POOL.submit(ssim, la, lb)
    over = _yiq_distance(yiq_a, yiq_b) > MAX_YIQ_DELTA * config.threshold ** 2
    aa = np.zeros_like(over)
    if over.any() and not config.count_antialiasing:
        rows, cols = np.nonzero(over)
        pa, pb = _Padded.of(a_c, la), _Padded.of(b_c, lb)
        idx = pa.index(rows, cols, w)
        hit = pa.antialiased(pb, idx)
        rest = ~hit  # pixelmatch: anti-aliased in either image
        hit[rest] = pb.antialiased(pa, idx[rest])
        aa[rows[hit], cols[hit]] = True
    diff = over & ~aa
    mean_ssim, weighted_ssim, ssim_map = ssim_job.result()
    ssim_map = np.pad(ssim_map[:h, :w], ((0, h - min(h, ssim_map.shape[0])),
                                         (0, w - min(w, ssim_map.shape[1]))), mode="edge")
    common_mismatch = diff.sum() / (h * w)
    coverage = h * w / union
    structure = (max(mean_ssim, 0.0) * max(weighted_ssim, 0.0)) ** 0.5
    content_agreement = 1.0
    if diff.any():  # with no differing pixel, every content pixel agrees: skip the masks
        background = _background(a_c)
        content = _content(yiq_a, background, config.threshold) | \
            _content(yiq_b, background, config.threshold)
        content_agreement = 1.0 - (diff & content).sum() / max(1, content.sum())
    similarity = coverage * (structure + (1.0 - common_mismatch) + content_agreement) / 3
    return Comparison(
        similarity=float(similarity), ssim=mean_ssim, weighted_ssim=weighted_ssim,
        pixel_mismatch=float((diff.sum() + union - h * w) / union),
        mismatched_pixels=int(diff.sum()), antialiased_pixels=int(aa.sum()),
        coverage=float(coverage), content_agreement=float(content_agreement),
        original_size=(a.shape[1], a.shape[0]), render_size=(b.shape[1], b.shape[0]),
        diff_mask=diff, aa_mask=aa, ssim_map=ssim_map)


def heatmap(original: Image.Image | np.ndarray, result: Comparison,
            fade: float = 0.1) -> Image.Image:
    """The original faded almost to white, differing pixels in red, anti-aliasing in yellow, and
    any area the render does not cover in red too, at the original's size."""
    a = _rgb(original)
    faded = (255 - (255 - _yiq(a)[..., 0]) * fade).astype(np.uint8)
    out = np.repeat(faded[..., None], 3, axis=2)
    h, w = result.diff_mask.shape
    uncovered = np.ones(a.shape[:2], bool)
    uncovered[:h, :w] = False
    out[uncovered] = (255, 0, 0)
    common = out[:h, :w]
    common[result.aa_mask] = (255, 215, 0)
    common[result.diff_mask] = (255, 0, 0)
    return Image.fromarray(out)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size=size)


def side_by_side(original: Image.Image | np.ndarray, render: Image.Image | np.ndarray,
                 result: Comparison, max_panel_width: int = 1280) -> Image.Image:
    """original | render | heatmap, labelled, under a header with the scores."""
    panels = [Image.fromarray(_rgb(original)), Image.fromarray(_rgb(render)),
              heatmap(original, result)]
    scale = min(1.0, max_panel_width / max(p.width for p in panels))
    if scale < 1.0:
        panels = [p.resize((max(1, round(p.width * scale)), max(1, round(p.height * scale))),
                           Image.LANCZOS) for p in panels]
    width = sum(p.width for p in panels) + 16 * (len(panels) + 1)
    unit = max(1.0, width / 1600)  # text grows with the sheet so it stays readable when shrunk
    gap, header, label = round(16 * unit), round(56 * unit), round(28 * unit)
    width = sum(p.width for p in panels) + gap * (len(panels) + 1)
    height = header + label + max(p.height for p in panels) + gap
    sheet = Image.new("RGB", (width, height), (241, 243, 247))
    draw = ImageDraw.Draw(sheet)
    title = (f"similarity {result.similarity:.3f}    SSIM {result.ssim:.3f}    "
             f"pixels differing {result.pixel_mismatch:.1%}")
    draw.text((gap, round(14 * unit)), title, fill=(17, 24, 39), font=_font(round(24 * unit)))
    x = gap
    for name, panel in zip(("original", "clone", "differences"), panels, strict=True):
        draw.text((x, header), name, fill=(75, 85, 99), font=_font(round(18 * unit)))
        sheet.paste(panel, (x, header + label))
        draw.rectangle([x - 1, header + label - 1, x + panel.width, header + label + panel.height],
                       outline=(209, 213, 219))
        x += panel.width + gap
    return sheet
