"""The original screenshot's text blocks, by OCR: RapidOCR (PaddleOCR's PP-OCRv4 detector and
recogniser on onnxruntime), whose wheel ships its models, so nothing is fetched at run time.
README "How the scores are made" says why this engine. A screenshot is read once: the blocks
are kept in memory (by the picture's digest) and, given a folder, in ``ocr.json`` there."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from app.outputs.files import write_atomic
from app.review.textblocks import TextBlock, group_lines, text_colour

OCR_FILE = "ocr.json"
_FORMAT = 1  # bump when the blocks' meaning changes, so stale caches are read again
_MEMORY = 32  # screenshots whose blocks stay in memory
_QT_VARIABLES = ("QT_QPA_PLATFORM_PLUGIN_PATH", "QT_QPA_FONTDIR")


class _Engine:
    """One RapidOCR instance, loaded on first use and shared; calls are serialised (the
    session is not documented as thread-safe and two at once only fight over the cores)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ocr: Any = None
        self._missing: str | None = None

    def available(self) -> bool:
        if self._ocr is not None:  # no waiting behind a reading in progress
            return True
        with self._lock:
            return self._load() is not None

    def _load(self) -> Any:
        if self._ocr is None and self._missing is None:
            # opencv-python (RapidOCR's dependency) points Qt at its own plugins on import:
            # keep the app's Qt where it was.
            saved = {k: os.environ.get(k) for k in _QT_VARIABLES}
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as e:
                self._missing = str(e)
                return None
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v
            self._ocr = RapidOCR(use_cls=False, print_verbose=False)
        return self._ocr

    def lines(self, rgb: np.ndarray) -> list[TextBlock]:
        with self._lock:
            ocr = self._load()
            if ocr is None:
                return []
            found, _ = ocr(np.ascontiguousarray(rgb[..., ::-1]), use_cls=False)
        lines = []
        for quad, text, _score in found or []:
            xs, ys = [p[0] for p in quad], [p[1] for p in quad]
            box = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
            text = str(text).strip()
            if text:
                lines.append(TextBlock(text, box, text_colour(rgb, box)))
        return lines


_engine = _Engine()
_cache: OrderedDict[str, list[TextBlock]] = OrderedDict()
_cache_lock = threading.Lock()


def ocr_available() -> bool:
    """Whether the OCR engine is installed (the first call loads it: about a second)."""
    return _engine.available()


def _digest(rgb: np.ndarray) -> str:
    h = hashlib.sha1(f"{rgb.shape}".encode())
    h.update(np.ascontiguousarray(rgb).data)
    return h.hexdigest()


def _read_cache(folder: Path, digest: str) -> list[TextBlock] | None:
    try:
        data = json.loads((folder / OCR_FILE).read_text(encoding="utf-8"))
        if data.get("format") == _FORMAT and data.get("digest") == digest:
            return [TextBlock.from_json(b) for b in data["blocks"]]
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass  # missing or damaged: read the picture again
    return None


def ocr_blocks(rgb: np.ndarray, cache_dir: Path | None = None) -> list[TextBlock]:
    """The text blocks of a picture (RGB, physical pixels): from memory, else from
    ``cache_dir/ocr.json``, else by OCR; then kept in both. No engine: no blocks."""
    digest = _digest(rgb)
    with _cache_lock:
        blocks = _cache.get(digest)
    if blocks is None and cache_dir is not None:
        blocks = _read_cache(cache_dir, digest)
    if blocks is None:
        if not _engine.available():
            return []
        blocks = group_lines(_engine.lines(rgb))
    with _cache_lock:
        _cache[digest] = blocks
        _cache.move_to_end(digest)
        while len(_cache) > _MEMORY:
            _cache.popitem(last=False)
    if cache_dir is not None and cache_dir.is_dir() and _read_cache(cache_dir, digest) is None:
        payload = {"format": _FORMAT, "digest": digest, "blocks": [b.to_json() for b in blocks]}
        write_atomic(cache_dir / OCR_FILE, json.dumps(payload) + "\n", overwrite=True)
    return blocks
