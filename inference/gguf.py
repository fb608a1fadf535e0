"""Read what a GGUF file is without loading its weights, and check that a model and its vision
projector (mmproj) belong together before llama.cpp is asked to load them: llama.cpp reports
most of these mistakes by aborting the whole process or with a bare 'failed to load'."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from gguf import GGUFReader, GGUFValueType, LlamaFileType

from inference.errors import BadGGUF, ModelMismatch, ModelNotFound

GGUF_MAGIC = b"GGUF"

# Projectors whose models predate embedded chat templates, and llama-cpp-python's hard-coded
# handler for them. Everything else must bring its own template.
LEGACY_HANDLERS = {
    "mlp": "Llava15ChatHandler",
    "ldp": "Llava15ChatHandler",
    "ldpv2": "Llava15ChatHandler",
    "resampler": "MiniCPMv26ChatHandler",
}


@dataclass(frozen=True, kw_only=True)
class GGUFInfo:
    """The metadata ShotClone needs from one GGUF file."""

    path: Path
    size_bytes: int
    architecture: str
    name: str | None = None
    quant: str | None = None
    tensor_count: int = 0
    tensor_bytes: int = 0
    # text models
    block_count: int | None = None
    embedding_length: int | None = None
    context_length: int | None = None
    head_count: int | None = None
    head_count_kv: int | None = None
    key_length: int | None = None
    value_length: int | None = None
    key_length_swa: int | None = None
    value_length_swa: int | None = None
    sliding_window: int | None = None
    swa_pattern: tuple[bool, ...] = ()  # per layer: True for a sliding-window layer
    vocab_size: int | None = None
    feed_forward_length: int | None = None
    chat_template: str | None = None
    # vision projectors (architecture "clip")
    projector_type: str | None = None
    projection_dim: int | None = None
    has_vision_encoder: bool = False
    layer_bytes: tuple[int, ...] = ()  # weights of each repeating layer, blk.N.*
    output_bytes: int = 0  # the output (logits) matrix; token_embd's size when tied
    other_bytes: int = 0  # everything else: token embeddings, norms, rope tables

    @property
    def is_projector(self) -> bool:
        return self.architecture == "clip"

    @property
    def display_name(self) -> str:
        return self.name or self.path.stem


def _scalar(reader: GGUFReader, key: str) -> Any:
    field = reader.get_field(key)
    if field is None:
        return None
    if field.types and field.types[0] == GGUFValueType.ARRAY:
        return None  # arrays (token lists, patterns) are not needed here
    value = field.contents()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _array(reader: GGUFReader, key: str) -> list[Any]:
    field = reader.get_field(key)
    if field is None or not field.types or field.types[0] != GGUFValueType.ARRAY:
        return []
    return [field.parts[i].tolist()[0] for i in field.data]


def _tensor_split(reader: GGUFReader, n_layer: int) -> tuple[tuple[int, ...], int, int]:
    layers = [0] * n_layer
    output = other = embed = 0
    for t in reader.tensors:
        name, size = t.name, int(t.n_bytes)
        if name.startswith("blk."):
            index = int(name.split(".")[1])
            if index < n_layer:
                layers[index] += size
                continue
        if name == "output.weight":
            output = size
        elif name == "token_embd.weight":
            embed = size
        other += size
    return tuple(layers), output or embed, other


def _quant_name(file_type: int | None) -> str | None:
    if file_type is None:
        return None
    try:
        return LlamaFileType(file_type).name.removeprefix("MOSTLY_").removeprefix("ALL_")
    except ValueError:
        return f"type {file_type}"


def read_gguf(path: Path | str) -> GGUFInfo:
    """Read a GGUF header; raise ``ModelNotFound`` or ``BadGGUF`` with an actionable message."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ModelNotFound(f"{path}: no such file.", path=path)
    size = path.stat().st_size
    with path.open("rb") as f:
        magic = f.read(4)
    if magic != GGUF_MAGIC:
        raise BadGGUF(
            f"{path.name} is not a GGUF file (it starts with {magic!r}, not b'GGUF'). "
            "Choose a .gguf model file, as published for llama.cpp.",
            path=path,
        )
    try:
        reader = GGUFReader(path, "r")
    except Exception as e:  # the reader raises ValueError/IndexError/struct errors on damage
        raise BadGGUF(
            f"{path.name} is damaged or cut short ({type(e).__name__}: {e}). "
            "Download it again.",
            path=path,
        ) from e
    data_end = max((t.data_offset + t.n_bytes for t in reader.tensors), default=0)
    if data_end > size:
        raise BadGGUF(
            f"{path.name} is cut short: it holds {size:,} bytes but its tensors need "
            f"{data_end:,}. The download was probably interrupted; download it again.",
            path=path,
        )
    arch = _scalar(reader, "general.architecture")
    if not isinstance(arch, str):
        raise BadGGUF(f"{path.name} has no general.architecture; it is not a model file.",
                      path=path)

    def key(name: str) -> Any:
        return _scalar(reader, f"{arch}.{name}")

    n_layer = key("block_count") or 0
    layer_bytes, output_bytes, other_bytes = _tensor_split(reader, n_layer)
    tokens = reader.get_field("tokenizer.ggml.tokens")
    return GGUFInfo(
        path=path,
        size_bytes=size,
        architecture=arch,
        name=_scalar(reader, "general.name"),
        quant=_quant_name(_scalar(reader, "general.file_type")),
        tensor_count=len(reader.tensors),
        tensor_bytes=sum(int(t.n_bytes) for t in reader.tensors),
        block_count=key("block_count"),
        embedding_length=key("embedding_length"),
        context_length=key("context_length"),
        head_count=key("attention.head_count"),
        head_count_kv=key("attention.head_count_kv"),
        key_length=key("attention.key_length"),
        value_length=key("attention.value_length"),
        key_length_swa=key("attention.key_length_swa"),
        value_length_swa=key("attention.value_length_swa"),
        sliding_window=key("attention.sliding_window"),
        swa_pattern=tuple(bool(b) for b in
                          _array(reader, f"{arch}.attention.sliding_window_pattern")),
        vocab_size=len(tokens.data) if tokens is not None else None,
        feed_forward_length=key("feed_forward_length"),
        layer_bytes=layer_bytes, output_bytes=output_bytes, other_bytes=other_bytes,
        chat_template=_scalar(reader, "tokenizer.chat_template") or None,
        projector_type=_scalar(reader, "clip.projector_type"),
        projection_dim=_scalar(reader, "clip.vision.projection_dim"),
        has_vision_encoder=bool(_scalar(reader, "clip.has_vision_encoder")),
    )


@dataclass(frozen=True, kw_only=True)
class VisionModel:
    """A model and its projector that passed ``check_pair``: safe to hand to llama.cpp."""

    model: GGUFInfo
    mmproj: GGUFInfo

    @property
    def legacy_handler(self) -> str | None:
        """Name of the hard-coded llama-cpp-python handler to use, or None for the GGUF's own
        chat template."""
        if self.model.chat_template:
            return None
        return LEGACY_HANDLERS[self.mmproj.projector_type or ""]


def check_pair(model: GGUFInfo, mmproj: GGUFInfo | None) -> VisionModel:
    """Refuse a model/projector pair llama.cpp cannot run as a vision model, saying why."""
    if model.is_projector:
        raise ModelMismatch(
            f"{model.path.name} is a vision projector (mmproj), not a language model. "
            "Pass it with --mmproj and give the language model with --model.",
            path=model.path,
        )
    if mmproj is None:
        raise ModelMismatch(
            f"{model.display_name} is a text-only model: ShotClone needs to see the screenshot. "
            "Give the model's vision projector with --mmproj (a file usually named mmproj-*.gguf "
            "published beside the model).",
            path=model.path,
        )
    if not mmproj.is_projector:
        raise ModelMismatch(
            f"{mmproj.path.name} is a '{mmproj.architecture}' model, not a vision projector. "
            "--mmproj takes the mmproj-*.gguf file published beside the model.",
            path=mmproj.path,
        )
    if not mmproj.has_vision_encoder:
        raise ModelMismatch(
            f"{mmproj.path.name} has no vision encoder (projector '{mmproj.projector_type}' is "
            "for audio only). Use the model's image mmproj.",
            path=mmproj.path,
        )
    if mmproj.projection_dim != model.embedding_length:
        raise ModelMismatch(
            f"{mmproj.path.name} does not belong to {model.display_name}: it projects images to "
            f"{mmproj.projection_dim} dimensions but the model's embeddings have "
            f"{model.embedding_length}. Use the mmproj published with this model.",
            path=mmproj.path,
        )
    if not model.chat_template and mmproj.projector_type not in LEGACY_HANDLERS:
        raise ModelMismatch(
            f"{model.display_name} has no chat template (tokenizer.chat_template), and ShotClone "
            f"knows no built-in prompt format for '{mmproj.projector_type}' models. Use a GGUF "
            "converted with a recent llama.cpp, which embeds the template.",
            path=model.path,
        )
    return VisionModel(model=model, mmproj=mmproj)


def inspect_pair(model: Path | str, mmproj: Path | str | None) -> VisionModel:
    """Read both headers and check them together."""
    return check_pair(read_gguf(model), read_gguf(mmproj) if mmproj is not None else None)
