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
page shifted 12 px 0.74; a different page 0.39-0.46; a blank page 0.30.

Speed (median ms of compare against a ``Reference``, CPU time, on this project's shared 2-core
machine at load 2-6, the version before issue 15's vs this one): a hand clone of a real 1280x800
screenshot (98% of its rows differ) 34 -> 27 (wall, loaded: 33-46 -> 26-35), the same page
against itself 2.0 -> 1.6, a 1280x1275 full page with one changed patch 6.6 -> 4.7, a 1280x3812
page shifted 12 px 116 -> 74. Of the clone's 27 ms pixelmatch's diff takes 15.5, SSIM 6, the
content mask 3.
- Pixel mismatch and anti-aliasing run in pybind11-pixelmatch, a C++ port of pixelmatch whose
  counts equal the reference `pixelmatch` package's (a test checks): 15 ms for a whole 1280x800
  pair where our vectorised numpy took ~60 ms and ~40 bytes a pixel of temporaries.
  (pixelmatch-fast, the Numba port, installs a module named `pixelmatch` over the reference and
  compiles for seconds at first use.) Its picture, not its count, is read: red is a differing
  pixel, yellow an anti-aliased one. The RGBA copies it reads are made a band at a time into
  kept arrays (0.4 ms a compare), not kept whole in the ``Reference`` (4 bytes a pixel).
- The content masks (a pixel visibly off the background colour) are pixelmatch's own test
  done in numpy: its YIQ distance in the float32 operations of its C++ port, in the same order,
  so the same mask on all 2^24 colours (a test checks three backgrounds, one where float64
  would differ): 3 ms for a 1280x800 render where a pixelmatch call against a flat picture took
  5, and making its RGBA copy and the flat picture 5 more.
- Rows identical in both images cannot differ, so only bands of differing rows (with the two
  rows around them that the anti-aliasing test looks at, which makes the answer the whole
  image's) go to pixelmatch, and SSIM strips with no differing row only need the weights: a good
  clone pays for its differences, not its size.
- SSIM uses OpenCV's box filter (float64, 0.25 ms where numpy's cumulative sums took 2-6 ms),
  also for the exact integer block sums that average the picture down (2x faster than numpy's
  strided adds); opencv-python-headless, never opencv-python, whose Qt plugins clash with
  PySide6.
- OpenCV runs single-threaded, set once for the whole process at import: its pool (a thread a
  core) woke for every small call and cost more than it gave (a 0.1 ms cvtColor took 3 ms inside
  compare; the whole compare 59 -> 46 ms with the pool off). The count is process-wide in
  OpenCV, so setting it only around compare would race other threads and rebuild the pool each
  time. The other OpenCV call on the render path, render.py's PNG decode in its worker thread,
  is single-threaded in libpng either way (10 ms with 1 or 2 threads; its colour swap 0.05 ms).
- Work arrays are kept in the ``Reference`` from one compare to the next (``_Scratch``): a
  fresh array of a few MB costs more in page faults than the arithmetic in it (5,300 faults
  a 1280x800 compare, ~7 ms). They take ~18 MB for a 1280-wide original, growing with the
  width only; comparisons against one reference take turns.
- Not threaded: pixelmatch holds the GIL for a whole call, so SSIM in a second thread gets one
  numpy call in each 5 ms switch interval: measured 27 ms against 26-30 run in turn.
- Everything goes in strips of at most 256 rows: memory beyond the two images, the two result
  masks (1 byte a pixel each) and the kept work arrays grows with the width only, whatever the
  height.
Masks and counts equal the version before issue 15's exactly and scores within 6e-13 (the
SSIM map within 6e-8, its float32 rounding) over 129 pairs of the shared screenshots (same,
shifted, patched, blank, noisy, cropped, one page against another), counting anti-aliasing or
not; that version's equalled the numpy code's within 5e-8 over 113 pairs.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pybind11_pixelmatch import Options, pixelmatch

# OpenCV runs single-threaded in this process: see "Speed" above
cv2.setNumThreads(1)

MAX_YIQ_DELTA = 35215.0  # the largest possible YIQ distance between two colours
STRIP_ROWS = 256  # the pixel work goes in strips of this many rows: memory bounded by width
_AA_REACH = 2  # pixelmatch's anti-aliasing test looks this many pixels away
_SSIM_WINDOW = 7
_SSIM_C1, _SSIM_C2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
_SSIM_ROWS = 128  # SSIM goes in strips of this many (averaged-down) rows; same ones are skipped
_LUMA = (0.29889531, 0.58662247, 0.11448223)  # pixelmatch's Y of YIQ
# pixelmatch's Y, I and Q rows and the weights of its distance, in float32 as its C++ port has them
_YIQ = np.array([_LUMA, (0.59597799, -0.27417610, -0.32180189),
                 (0.21147017, -0.52261711, 0.31114694)], np.float32)
_YIQ_WEIGHTS = np.array([0.5053, 0.299, 0.1957], np.float32)
_CONTENT_ROWS = 32  # the content test's float32 strips: a few hundred KB, they stay in the cache
_DIFF, _AA = (np.array(c, np.uint8).view(np.uint32)[0]
              for c in ((255, 0, 0, 255), (255, 255, 0, 255)))  # pixelmatch's output colours


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
    ssim_small: np.ndarray = field(repr=False)  # SSIM map of the averaged-down common area
    ssim_factor: int = 1  # how many pixels each side of an ssim_small cell covers

    @property
    def ssim_map(self) -> np.ndarray:
        """SSIM map at the common area's size (made on demand: few callers want it)."""
        h, w = self.diff_mask.shape
        f = self.ssim_factor
        full = self.ssim_small.repeat(f, axis=0).repeat(f, axis=1) if f > 1 else self.ssim_small
        return np.pad(full[:h, :w], ((0, max(0, h - full.shape[0])),
                                     (0, max(0, w - full.shape[1]))), mode="edge")

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


class _Scratch:
    """Work arrays kept from one strip and one compare to the next, by name, each grown when a
    larger one is asked for: a fresh array of a few MB costs more in page faults (the kernel
    zeroes every 4 KB page at first touch: ~5,300 faults, ~8 ms, a 1280x800 compare) than the
    arithmetic done in it. What it keeps grows with the width only."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def __call__(self, name: str, shape: tuple[int, ...], dtype: Any = np.uint8) -> np.ndarray:
        size = math.prod(shape) * np.dtype(dtype).itemsize
        raw = self._arrays.get(name)
        if raw is None or raw.size < size:
            raw = self._arrays[name] = np.empty(size, np.uint8)
        return raw[:size].view(dtype).reshape(shape)


def _options(threshold: float, include_aa: bool) -> Options:
    opts = Options()
    opts.threshold = threshold
    opts.includeAA = include_aa
    return opts


def _strips(top: int, bottom: int, rows: int | None = None) -> list[tuple[int, int]]:
    step = rows or STRIP_ROWS
    return [(s, min(bottom, s + step)) for s in range(top, bottom, step)]


def _differing_rows(a: np.ndarray, b: np.ndarray, scratch: _Scratch) -> np.ndarray:
    """For each row: does any pixel of it differ between the two images?"""
    out = np.zeros(a.shape[0], bool)
    for top, bottom in _strips(0, a.shape[0]):
        differs = scratch("differs", a[top:bottom].shape, bool)
        out[top:bottom] = np.not_equal(a[top:bottom], b[top:bottom], out=differs).any(axis=(1, 2))
    return out


def _bands(rows: np.ndarray) -> list[tuple[int, int]]:
    """Runs of True rows, at most STRIP_ROWS long; runs closer than pixelmatch's reach merged."""
    padded = np.concatenate(([False], rows, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    runs: list[list[int]] = []
    for top, bottom in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        if runs and top - runs[-1][1] <= 2 * _AA_REACH:
            runs[-1][1] = bottom
        else:
            runs.append([top, bottom])
    return [strip for top, bottom in runs for strip in _strips(top, bottom)]


def _pixel_diff(a: np.ndarray, b: np.ndarray, rows: np.ndarray, config: CompareConfig,
                scratch: _Scratch) -> tuple[np.ndarray, np.ndarray]:
    """(differing, anti-aliased) masks, exactly as pixelmatch draws them, computed on the bands
    of differing rows only; each band is read with the rows around it that the anti-aliasing
    test looks at, so its answer is the one for the whole image."""
    h, w = a.shape[:2]
    diff, aa = np.zeros((h, w), bool), np.zeros((h, w), bool)
    opts = _options(config.threshold, config.count_antialiasing)
    for top, bottom in _bands(rows):
        lo, hi = max(0, top - _AA_REACH), min(h, bottom + _AA_REACH)
        shape = (hi - lo, w, 4)  # opaque RGBA, the layout pixelmatch reads
        theirs = cv2.cvtColor(a[lo:hi], cv2.COLOR_RGB2RGBA, dst=scratch("original rgba", shape))
        ours = cv2.cvtColor(b[lo:hi], cv2.COLOR_RGB2RGBA, dst=scratch("render rgba", shape))
        out = scratch("drawn", shape)
        pixelmatch(theirs, ours, output=out, options=opts)
        drawn = out.view(np.uint32)[top - lo:bottom - lo, :, 0]
        np.equal(drawn, _DIFF, out=diff[top:bottom])
        np.equal(drawn, _AA, out=aa[top:bottom])
    return diff, aa


def _background(a: np.ndarray) -> np.ndarray:
    """The most common colour of an image (sampled on a grid, which is plenty for a UI)."""
    step = max(1, int((a.shape[0] * a.shape[1] / 65536) ** 0.5))
    sample = a[::step, ::step].reshape(-1, 3).astype(np.int32)
    packed = (sample[:, 0] << 16) | (sample[:, 1] << 8) | sample[:, 2]
    colours, counts = np.unique(packed, return_counts=True)
    top = int(colours[counts.argmax()])
    return np.array([top >> 16, (top >> 8) & 255, top & 255], dtype=np.uint8)


def _content_agreement(ref: Reference, b: np.ndarray, rows: np.ndarray,
                       diff: np.ndarray) -> float:
    """Share of the content pixels (visibly off the original's background colour, in either
    image) that do not differ. In identical rows the render holds the original's content, which
    the reference knows already: only the differing rows of the render are looked at."""
    h, w = diff.shape
    content_a = ref.content()[:h, :w]
    content = int(np.count_nonzero(content_a))
    disagree = 0
    for top, bottom in _bands(rows):
        either = ref.scratch("content", (bottom - top, w), bool)
        _content(b[top:bottom], ref.background, ref.threshold, either, ref.scratch)
        np.logical_or(either, content_a[top:bottom], out=either)
        content += int(np.count_nonzero(either)) - int(np.count_nonzero(content_a[top:bottom]))
        disagree += int(np.count_nonzero(np.logical_and(either, diff[top:bottom], out=either)))
    return 1.0 - disagree / max(1, content)


def _yiq(channels: np.ndarray, row: int, out: np.ndarray, term: np.ndarray) -> np.ndarray:
    """out = Y, I or Q (``row``) of float32 (r, g, b) channels, as pixelmatch's C++ port works it
    out: ((r·c0) + g·c1) + b·c2 in float32 (adding c·x for a negative c is subtracting |c|·x)."""
    np.multiply(channels[0], _YIQ[row, 0], out=out)
    out += np.multiply(channels[1], _YIQ[row, 1], out=term)
    out += np.multiply(channels[2], _YIQ[row, 2], out=term)
    return out


def _content(a: np.ndarray, background: np.ndarray, threshold: float, out: np.ndarray,
             scratch: _Scratch) -> None:
    """out = the pixels whose colour differs visibly from ``background``: pixelmatch's own test
    (YIQ distance over 35215·threshold²) in the float32 operations of its C++ port, in the same
    order, so the same mask (checked against pixelmatch on every 24-bit colour) at 1/3 of the
    cost of a pixelmatch call, and in numpy, which lets go of the GIL."""
    h, w = a.shape[:2]
    one = background.astype(np.float32).reshape(3, 1)
    base = [_yiq(one, k, np.empty(1, np.float32), np.empty(1, np.float32))[0] for k in range(3)]
    limit = np.float32(MAX_YIQ_DELTA) * np.float32(threshold) * np.float32(threshold)
    for top, bottom in _strips(0, h, _CONTENT_ROWS):
        n = (bottom - top) * w
        channels = scratch("channels", (3, bottom - top, w), np.float32)
        for c in range(3):
            channels[c] = a[top:bottom, :, c]
        channels = channels.reshape(3, n)
        delta = scratch("delta", (n,), np.float32)
        value, term = scratch("yiq", (n,), np.float32), scratch("yiq term", (n,), np.float32)
        for k in range(3):  # the weighted squares, w·d·d, of the Y, I and Q differences
            _yiq(channels, k, value, term)
            value -= base[k]
            if k:
                delta += np.multiply(np.multiply(value, _YIQ_WEIGHTS[k], out=term), value, out=term)
            else:
                np.multiply(np.multiply(value, _YIQ_WEIGHTS[k], out=delta), value, out=delta)
        np.greater(delta.reshape(bottom - top, w), limit, out=out[top:bottom])


def _shrunk_luma(a: np.ndarray, f: int, out: np.ndarray, scratch: _Scratch,
                 rows: np.ndarray | None = None) -> np.ndarray:
    """out = the luma averaged over f x f blocks (float64), a strip at a time, from the blocks'
    exact integer channel sums. Given ``rows`` (which differ from the other image, whose luma
    ``out`` holds), only the strips holding a differing row are worked out."""
    step = max(f, STRIP_ROWS // f * f)
    h, w = a.shape[0] // f * f, a.shape[1] // f * f
    weights = np.array(_LUMA) / (f * f)
    for top, bottom in _strips(0, h, step):
        if rows is not None and not rows[top:bottom].any():
            continue
        strip = a[top:bottom, :w]
        depth, dtype = (cv2.CV_16U, np.uint16) if f <= 16 else (cv2.CV_32S, np.int32)
        # each pixel's f x f block sum (the block below and right of it), then every f-th one
        sums = cv2.boxFilter(strip, depth, (f, f), dst=scratch("block sums", strip.shape, dtype),
                             anchor=(0, 0), normalize=False,
                             borderType=cv2.BORDER_REPLICATE)[::f, ::f]
        luma, term = out[top // f:bottom // f], scratch("luma term", sums.shape[:2], np.float64)
        np.multiply(sums[..., 0], weights[0], out=luma)
        luma += np.multiply(sums[..., 1], weights[1], out=term)
        luma += np.multiply(sums[..., 2], weights[2], out=term)
    return out


def _ssim_strip(x: np.ndarray, y: np.ndarray | None, win: int,
                scratch: _Scratch) -> tuple[np.ndarray, np.ndarray]:
    """SSIM map of a strip (of its windows wholly inside it), and each window's weight: how
    much structure the two hold. ``y`` None: the strip is the same in both, so SSIM is 1 and only
    the weights need work (the full formula gives exactly these numbers there: 2·vxy and
    vx + vy are the same sums). Works in the scratch arrays, in place where it can."""
    n, r = win * win, win // 2
    cov = n / (n - 1) if n > 1 else 1.0
    valid = (x.shape[0] - 2 * r, x.shape[1] - 2 * r)
    square = scratch("ssim square", x.shape, np.float64)

    def mean(name: str, a: np.ndarray) -> np.ndarray:  # of every window wholly inside the strip
        full = cv2.boxFilter(a, -1, (win, win), dst=scratch(name, a.shape, np.float64),
                             borderType=cv2.BORDER_REFLECT)
        return full[r:a.shape[0] - r, r:a.shape[1] - r]

    def work(name: str) -> np.ndarray:
        return scratch(name, valid, np.float64)

    ux = mean("ssim ux", x)
    vx = mean("ssim vx", np.multiply(x, x, out=square))
    vx -= np.multiply(ux, ux, out=work("ssim uxx"))
    vx *= cov
    if y is None:
        weight = np.add(vx, vx, out=work("ssim weight"))
        weight += _SSIM_C2
        same = work("ssim map")
        same.fill(1.0)
        return same, weight
    uy = mean("ssim uy", y)
    # (2·ux·uy + C1)(2·vxy + C2) / ((ux² + uy² + C1)(vx + vy + C2)), in place
    uxy, uyy = np.multiply(ux, uy, out=work("ssim uxy")), np.multiply(uy, uy, out=work("ssim uyy"))
    vy = mean("ssim vy", np.multiply(y, y, out=square))
    vy -= uyy
    vy *= cov
    vxy = mean("ssim vxy", np.multiply(x, y, out=square))
    vxy -= uxy
    vxy *= cov
    weight = np.add(vx, vy, out=work("ssim weight"))
    weight += _SSIM_C2
    uxy *= 2
    uxy += _SSIM_C1
    vxy *= 2
    vxy += _SSIM_C2
    uxy *= vxy
    ux *= ux
    ux += uyy
    ux += _SSIM_C1
    ux *= weight
    uxy /= ux
    return uxy, weight


def ssim(a: np.ndarray | Reference, b: np.ndarray,
         rows: np.ndarray | None = None) -> tuple[float, float, np.ndarray, int]:
    """SSIM of two RGB images: (mean, structure-weighted mean, map, factor), the map at 1/factor
    of the input size. ``rows`` (which rows differ, when known) lets identical strips skip work.

    A 7x7 uniform window as scikit-image uses; large images are first averaged down so a window
    spans at least 1/400 of the short side, as Wang et al.'s reference code does (and it is
    4x faster). The weighted mean counts each window by how much structure it holds, so two
    blank areas agreeing count for little. 1xN images get a smaller window."""
    ref = a if isinstance(a, Reference) else Reference(a)
    with ref.lock:
        f = max(1, min(b.shape[:2]) // 400)
        if rows is None:
            rows = _differing_rows(ref.rgb[:b.shape[0], :b.shape[1]], b, ref.scratch)
        x = ref.luma(f, b.shape[:2])
        y = x
        if rows.any():
            y = ref.scratch("render luma", x.shape, np.float64)
            np.copyto(y, x)
            _shrunk_luma(b, f, y, ref.scratch, rows)
        h, w = x.shape
        win = min(_SSIM_WINDOW, h, w)
        win -= 1 - win % 2  # odd
        r = win // 2
        out = np.empty((h, w), np.float32)  # the map; its border copies the windows next to it
        total = weighted = weight_sum = 0.0
        for top in range(0, h - win + 1, _SSIM_ROWS):
            bottom = min(h, top + _SSIM_ROWS + win - 1)
            same = not rows[top * f:bottom * f].any()
            m, wt = _ssim_strip(x[top:bottom], None if same else y[top:bottom], win, ref.scratch)
            out[top + r:bottom - r, r:w - r] = m
            strip_weight = float(wt.sum())
            total += float(m.sum())
            weighted += strip_weight if same else float(np.einsum("ij,ij->", m, wt))
            weight_sum += strip_weight
    out[:r] = out[r]
    out[h - r:] = out[h - r - 1]
    out[:, :r] = out[:, r:r + 1]
    out[:, w - r:] = out[:, w - r - 1:w - r]
    return total / ((h - 2 * r) * (w - 2 * r)), weighted / weight_sum, out, f


class Reference:
    """An original, with what every comparison against it needs worked out once (its content
    mask, its averaged-down luma) when first needed, and the scratch arrays its comparisons
    reuse: the app's edit loop, refine rounds and a benchmark compare many renders with one
    screenshot. Comparisons against one reference take turns (``lock``)."""

    def __init__(self, original: Image.Image | np.ndarray, threshold: float = 0.1) -> None:
        self.rgb = _rgb(original)
        self.threshold = threshold
        self.background = _background(self.rgb)
        self.lock = threading.RLock()
        self.scratch = _Scratch()
        self._content: np.ndarray | None = None
        self._luma: dict[int, np.ndarray] = {}

    def content(self) -> np.ndarray:
        """Pixels visibly off the background colour (1 byte each)."""
        with self.lock:
            if self._content is None:
                self._content = np.empty(self.rgb.shape[:2], bool)
                _content(self.rgb, self.background, self.threshold, self._content, self.scratch)
            return self._content

    def luma(self, f: int, size: tuple[int, int]) -> np.ndarray:
        """The averaged-down luma of the top-left ``size`` (h, w) of the original; kept for
        the whole original, which is what a render of the right size covers."""
        def shrunk(a: np.ndarray) -> np.ndarray:
            out = np.empty((a.shape[0] // f, a.shape[1] // f))
            return _shrunk_luma(a, f, out, self.scratch)

        with self.lock:
            if size != self.rgb.shape[:2]:
                return shrunk(self.rgb[:size[0], :size[1]])
            if f not in self._luma:
                self._luma[f] = shrunk(self.rgb)
            return self._luma[f]


def compare(original: Image.Image | np.ndarray | Reference, render: Image.Image | np.ndarray,
            config: CompareConfig | None = None) -> Comparison:
    """Compare a render with the original; pass a ``Reference`` when comparing many renders
    with one original (its threshold must be the config's)."""
    config = config or CompareConfig()
    ref = original if isinstance(original, Reference) else Reference(original, config.threshold)
    if ref.threshold != config.threshold:
        raise ValueError("the reference was made for another threshold")
    a, b = ref.rgb, _rgb(render)
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    union = a.shape[0] * a.shape[1] + b.shape[0] * b.shape[1] - h * w
    a_c, b_c = np.ascontiguousarray(a[:h, :w]), np.ascontiguousarray(b[:h, :w])
    with ref.lock:
        rows = _differing_rows(a_c, b_c, ref.scratch)
        diff, aa = _pixel_diff(a_c, b_c, rows, config, ref.scratch)
        mean_ssim, weighted_ssim, ssim_small, factor = ssim(ref, b_c, rows)
        mismatched = int(np.count_nonzero(diff))
        # with no differing pixel, every content pixel agrees: no need to find them
        content_agreement = _content_agreement(ref, b_c, rows, diff) if mismatched else 1.0
    coverage = h * w / union
    structure = (max(mean_ssim, 0.0) * max(weighted_ssim, 0.0)) ** 0.5
    similarity = coverage * (structure + (1.0 - mismatched / (h * w)) + content_agreement) / 3
    return Comparison(
        similarity=float(similarity), ssim=mean_ssim, weighted_ssim=weighted_ssim,
        pixel_mismatch=float((mismatched + union - h * w) / union),
        mismatched_pixels=mismatched, antialiased_pixels=int(np.count_nonzero(aa)),
        coverage=float(coverage), content_agreement=float(content_agreement),
        original_size=(a.shape[1], a.shape[0]), render_size=(b.shape[1], b.shape[0]),
        diff_mask=diff, aa_mask=aa, ssim_small=ssim_small, ssim_factor=factor)


DIFFERS_RGB = (255, 0, 0)  # the heatmap's colours, also shown in the app's legend
ANTIALIAS_RGB = (255, 215, 0)


def heatmap(original: Image.Image | np.ndarray, result: Comparison,
            fade: float = 0.1) -> Image.Image:
    """The original faded almost to white, differing pixels in red, anti-aliasing in yellow, and
    any area the render does not cover in red too, at the original's size."""
    a = _rgb(original)
    fading = (255 - (255 - np.arange(256)) * fade).astype(np.uint8)  # grey level -> faded
    out = cv2.cvtColor(fading[cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)], cv2.COLOR_GRAY2RGB)
    h, w = result.diff_mask.shape
    uncovered = np.ones(a.shape[:2], bool)
    uncovered[:h, :w] = False
    out[uncovered] = DIFFERS_RGB
    common = out[:h, :w]
    common[result.aa_mask] = ANTIALIAS_RGB
    common[result.diff_mask] = DIFFERS_RGB
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
