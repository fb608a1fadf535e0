"""Vision models already on this machine: LM Studio's folder, the Hugging Face cache,
llama.cpp's download cache and any folders the user adds, each model paired with a projector
from its own folder whose projection width matches."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from inference.catalog import MMPROJ_PREFERENCE
from inference.errors import ShotCloneError
from inference.gguf import GGUFInfo, read_gguf

MAX_DEPTH = 6


def standard_folders() -> list[tuple[str, Path]]:
    home = Path.home()
    hf_home = Path(os.environ.get("HF_HOME", home / ".cache" / "huggingface"))
    return [
        ("LM Studio", home / ".lmstudio" / "models"),
        ("LM Studio", home / ".cache" / "lm-studio" / "models"),
        ("Hugging Face cache", Path(os.environ.get("HF_HUB_CACHE", hf_home / "hub"))),
        ("llama.cpp cache", Path(os.environ.get("LLAMA_CACHE", home / ".cache" / "llama.cpp"))),
    ]


@dataclass(frozen=True, kw_only=True)
class FoundModel:
    path: Path
    info: GGUFInfo
    mmproj: Path | None
    source: str

    @property
    def name(self) -> str:
        return self.info.display_name

    @property
    def sees_images(self) -> bool:
        return self.mmproj is not None

    @property
    def quant(self) -> str:
        """From the header, else from the file name's tag (publishers always put it there)."""
        if self.info.quant:
            return self.info.quant
        tag = QUANT_TAG.search(self.path.stem)
        return tag.group(1).upper() if tag else "?"

    @property
    def size_bytes(self) -> int:
        """What it takes on disk: the model and its projector."""
        return self.info.size_bytes + (self.mmproj.stat().st_size if self.mmproj else 0)


QUANT_TAG = re.compile(r"(?:^|[-_.])((?:UD-)?I?Q\d(?:_[0-9A-Z]+)*|BF16|F16|F32)(?:$|[-_.])",
                       re.IGNORECASE)


def _ggufs(root: Path) -> Iterable[Path]:
    base = len(root.parts)
    for folder, dirs, files in os.walk(root, followlinks=True):
        if len(Path(folder).parts) - base >= MAX_DEPTH:
            dirs.clear()
        for name in files:
            split_part = "-of-" in name and "-00001-of-" not in name
            if name.lower().endswith(".gguf") and not split_part:
                yield Path(folder) / name


def _rank(projector: GGUFInfo) -> int:
    name = projector.path.name.upper()
    return next((i for i, tag in enumerate(MMPROJ_PREFERENCE) if tag in name),
                len(MMPROJ_PREFERENCE))


def _best_projector(model: GGUFInfo, projectors: Iterable[GGUFInfo]) -> GGUFInfo | None:
    """The preferred image projector whose width matches the model's embeddings."""
    fitting = [p for p in projectors if p.is_projector and p.has_vision_encoder
               and p.projection_dim == model.embedding_length]
    return min(fitting, key=_rank, default=None)


def projector_beside(model: Path) -> Path | None:
    """The projector in the model's own folder that belongs to it, if there is one."""
    try:
        info = read_gguf(model)
    except ShotCloneError:
        return None
    infos = []
    for path in sorted(model.parent.glob("*.gguf")):
        try:
            infos.append(read_gguf(path))
        except ShotCloneError:
            continue
    match = _best_projector(info, infos)
    return match.path if match else None


def find_models(extra: Iterable[tuple[str, Path]] = ()) -> list[FoundModel]:
    """Every loadable language model under the usual folders and ``extra`` (label, folder)."""
    found: list[FoundModel] = []
    seen: set[Path] = set()
    for source, root in [*extra, *standard_folders()]:
        if not root.is_dir():
            continue
        by_folder: dict[Path, list[GGUFInfo]] = {}
        for path in _ggufs(root):
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            try:
                info = read_gguf(path)
            except ShotCloneError:
                continue  # damaged or partial files are not offered
            by_folder.setdefault(path.parent, []).append(info)
        for infos in by_folder.values():
            projectors = [i for i in infos if i.is_projector]
            for info in infos:
                if info.is_projector:
                    continue
                match = _best_projector(info, projectors)
                found.append(FoundModel(path=info.path, info=info, source=source,
                                        mmproj=match.path if match else None))
    return sorted(found, key=lambda m: (not m.sees_images, m.name.lower()))
