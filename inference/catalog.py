"""The models ShotClone can fetch (``catalog.toml`` beside this file), and how the files for a
quant are picked out of a repository's listing."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources

from inference.errors import ConfigError, ModelNotFound

MMPROJ_PREFERENCE = ("F16", "BF16", "F32", "Q8_0")
_SPLIT = re.compile(r"-(\d{5})-of-(\d{5})\.gguf$", re.I)


@dataclass(frozen=True, kw_only=True)
class CatalogEntry:
    name: str
    title: str
    repo: str
    quant: str
    default: bool = False
    notes: str = ""


def catalog() -> list[CatalogEntry]:
    text = resources.files("inference").joinpath("catalog.toml").read_text(encoding="utf-8")
    return [CatalogEntry(**m) for m in tomllib.loads(text)["model"]]


def default_entry() -> CatalogEntry:
    return next(e for e in catalog() if e.default)


def find_entry(name: str) -> CatalogEntry:
    for entry in catalog():
        if entry.name == name:
            return entry
    known = ", ".join(e.name for e in catalog())
    raise ConfigError(f"No model called {name!r} in the catalog; known: {known}.")


def _has_tag(filename: str, tag: str) -> bool:
    """The quant tag as a whole word of the name: Q4_K_M matches '-Q4_K_M.gguf' but not
    '-UD-Q4_K_M_XL.gguf' nor 'IQ4_K_M'."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(tag)}(?![A-Za-z0-9_])", filename, re.I) \
        is not None


def pick_files(files: list[str], quant: str, repo: str = "") -> tuple[list[str], str]:
    """(model files, mmproj file) for ``quant`` from a repository's file names. A model split
    in parts gives all its parts, first part first."""
    ggufs = [f for f in files if f.lower().endswith(".gguf")]
    projectors = [f for f in ggufs if "mmproj" in f.lower()]
    models = [f for f in ggufs if f not in projectors and _has_tag(f.rsplit("/", 1)[-1], quant)]
    if not models:
        tags = sorted({m.group(0) for f in ggufs for m in
                       [re.search(r"(?:UD-)?I?Q\d\w*|BF16|F16|F32", f.rsplit("/", 1)[-1])]
                       if m and f not in projectors})
        raise ModelNotFound(f"{repo or 'The repository'} has no {quant} model file; it has: "
                            f"{', '.join(tags) or 'no GGUF files'}.")
    if not projectors:
        raise ModelNotFound(f"{repo or 'The repository'} has no vision projector (mmproj) file, "
                            "so its model cannot see images.")
    first = sorted(models)[0]
    split = _SPLIT.search(first)
    chosen = sorted(m for m in models if _SPLIT.sub("", m) == _SPLIT.sub("", first)) \
        if split else [first]
    ranked = sorted(projectors, key=lambda f: next(
        (i for i, tag in enumerate(MMPROJ_PREFERENCE) if _has_tag(f, tag)),
        len(MMPROJ_PREFERENCE)))
    return chosen, ranked[0]
