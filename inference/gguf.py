"""Read what a GGUF file is without loading its weights, and check that a model and its vision
projector (mmproj) belong together before llama.cpp is asked to load them: llama.cpp reports
most of these mistakes by aborting the whole process or with a bare 'failed to load'."""

from __future__ import annotations

import math
import mmap
import os
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gguf import (
    GGML_QUANT_SIZES,
    GGUF_DEFAULT_ALIGNMENT,
    GGMLQuantizationType,
    GGUFValueType,
    LlamaFileType,
)

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
    mtime_ns: int = 0
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
    head_count_kv: int | None = None  # the most of any layer
    kv_heads: tuple[int, ...] = ()  # per layer (Gemma 4 gives full-attention layers fewer)
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


class _Header:
    """A GGUF header parsed straight from the file's bytes. Arrays of strings (the vocabulary,
    the merges) are skipped and only counted, and large numeric arrays only counted too: at
    Gemma's 262,144 tokens that is what makes this fast (the ``gguf`` package's reader builds
    an object per element and takes ~20 s)."""

    SMALL_ARRAY = 4096  # numeric arrays up to this length are read (per-layer patterns)

    def __init__(self, buf: mmap.mmap | bytes) -> None:
        self.buf = buf
        self.off = len(GGUF_MAGIC)  # checked by the caller
        version = self._unpack("<I")[0]
        if version == 1:
            raise ValueError("GGUF version 1 is too old")
        n_tensors, n_kv = self._unpack("<QQ")
        self.values: dict[str, Any] = {}
        self.counts: dict[str, int] = {}  # length of every array
        for _ in range(n_kv):
            key = self._string()
            self._value(key, self._unpack("<I")[0])
        raw = []
        for _ in range(n_tensors):
            name = self._string()
            n_dims = self._unpack("<I")[0]
            dims = self._unpack(f"<{n_dims}Q")
            qtype, offset = self._unpack("<IQ")
            block, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(qtype)]
            raw.append((name, offset, math.prod(dims) // block * type_size))
        align = self.values.get("general.alignment", GGUF_DEFAULT_ALIGNMENT)
        start = -(-self.off // align) * align
        # (name, offset of its data in the file, bytes)
        self.tensors = [(name, start + offset, n) for name, offset, n in raw]

    def _unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from(fmt, self.buf, self.off)
        self.off += struct.calcsize(fmt)
        return values

    def _string(self) -> str:
        n = self._unpack("<Q")[0]
        if self.off + n > len(self.buf):
            raise ValueError("a string runs past the end of the file")
        text = bytes(self.buf[self.off:self.off + n]).decode("utf-8")
        self.off += n
        return text

    def _value(self, key: str, vtype: int) -> None:
        if vtype == GGUFValueType.STRING:
            self.values[key] = self._string()
        elif vtype == GGUFValueType.ARRAY:
            itype, count = self._unpack("<IQ")
            self.counts[key] = count
            if itype == GGUFValueType.STRING:
                self._skip_strings(count)
            elif itype == GGUFValueType.ARRAY:
                raise ValueError(f"{key}: nested arrays are not supported")
            else:
                fmt = _FORMATS[GGUFValueType(itype)]
                if count <= self.SMALL_ARRAY:
                    self.values[key] = self._unpack(f"<{count}{fmt}")
                else:
                    self.off += count * struct.calcsize(fmt)
        else:
            self.values[key] = self._unpack("<" + _FORMATS[GGUFValueType(vtype)])[0]

    def _skip_strings(self, count: int) -> None:
        buf, off, end = self.buf, self.off, len(self.buf)
        if off + 8 * count > end:
            raise ValueError("an array runs past the end of the file")
        length = _U64.unpack_from
        for _ in range(count):
            off += 8 + length(buf, off)[0]
        if off > end:
            raise ValueError("an array runs past the end of the file")
        self.off = off


_U64 = struct.Struct("<Q")
_FORMATS = {GGUFValueType.UINT8: "B", GGUFValueType.INT8: "b", GGUFValueType.UINT16: "H",
            GGUFValueType.INT16: "h", GGUFValueType.UINT32: "I", GGUFValueType.INT32: "i",
            GGUFValueType.FLOAT32: "f", GGUFValueType.BOOL: "?", GGUFValueType.UINT64: "Q",
            GGUFValueType.INT64: "q", GGUFValueType.FLOAT64: "d"}


def _tensor_split(tensors: list[tuple[str, int, int]],
                  n_layer: int) -> tuple[tuple[int, ...], int, int]:
    layers = [0] * n_layer
    output = other = embed = 0
    for name, _, size in tensors:
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


# Headers already read, by resolved path; an entry counts only while the file's size and
# modification time are unchanged. One clone reads each header once: the CLI, the planner and
# the worker backend share this, and the worker process is handed the parent's (``remember``).
_cache: dict[Path, GGUFInfo] = {}
_cache_lock = threading.Lock()


def _cached(path: Path, stat: os.stat_result) -> GGUFInfo | None:
    with _cache_lock:
        info = _cache.get(path.resolve())
    if info and (info.size_bytes, info.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
        return info
    return None


def remember(*infos: GGUFInfo) -> None:
    """Keep headers read elsewhere (in the parent process) so that they are not read again."""
    with _cache_lock:
        for info in infos:
            _cache[info.path.resolve()] = info


def read_gguf(path: Path | str, *, cached: bool = True) -> GGUFInfo:
    """Read a GGUF header (or take it from the cache); raise ``ModelNotFound`` or ``BadGGUF``
    with an actionable message."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ModelNotFound(f"{path}: no such file.", path=path)
    stat = path.stat()
    info = _cached(path, stat) if cached else None
    if info is None:
        info = _read(path, stat)
        remember(info)
    return info


def _read(path: Path, stat: os.stat_result) -> GGUFInfo:
    size = stat.st_size
    trace = os.environ.get("SHOTCLONE_DEBUG_GGUF_READS")
    if trace:  # tests count the reads of one clone across its processes
        with open(trace, "a", encoding="utf-8") as log:
            log.write(f"{path.resolve()}\n")
    with path.open("rb") as f:
        magic = f.read(4)
        if magic != GGUF_MAGIC:
            raise BadGGUF(
                f"{path.name} is not a GGUF file (it starts with {magic!r}, not b'GGUF'). "
                "Choose a .gguf model file, as published for llama.cpp.",
                path=path,
            )
        try:
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
                header = _Header(buf)
        except (ValueError, struct.error, KeyError, OverflowError) as e:  # damage, or cut short
            raise BadGGUF(
                f"{path.name} is damaged or cut short ({type(e).__name__}: {e}). "
                "Download it again.",
                path=path,
            ) from e
    data_end = max((offset + n for _, offset, n in header.tensors), default=0)
    if data_end > size:
        raise BadGGUF(
            f"{path.name} is cut short: it holds {size:,} bytes but its tensors need "
            f"{data_end:,}. The download was probably interrupted; download it again.",
            path=path,
        )
    values = header.values
    arch = values.get("general.architecture")
    if not isinstance(arch, str):
        raise BadGGUF(f"{path.name} has no general.architecture; it is not a model file.",
                      path=path)

    def key(name: str) -> Any:
        value = values.get(f"{arch}.{name}")
        return None if isinstance(value, tuple) else value  # arrays are not wanted here

    n_layer = key("block_count") or 0
    layer_bytes, output_bytes, other_bytes = _tensor_split(header.tensors, n_layer)
    pattern = values.get(f"{arch}.attention.sliding_window_pattern", ())
    kv_heads = values.get(f"{arch}.attention.head_count_kv")
    if isinstance(kv_heads, int):
        kv_heads = (kv_heads,) * n_layer
    return GGUFInfo(
        path=path,
        size_bytes=size,
        mtime_ns=stat.st_mtime_ns,
        architecture=arch,
        name=values.get("general.name"),
        quant=_quant_name(values.get("general.file_type")),
        tensor_count=len(header.tensors),
        tensor_bytes=sum(n for _, _, n in header.tensors),
        block_count=key("block_count"),
        embedding_length=key("embedding_length"),
        context_length=key("context_length"),
        head_count=key("attention.head_count"),
        head_count_kv=max(kv_heads) if kv_heads else None,
        kv_heads=tuple(kv_heads or ()),
        key_length=key("attention.key_length"),
        value_length=key("attention.value_length"),
        key_length_swa=key("attention.key_length_swa"),
        value_length_swa=key("attention.value_length_swa"),
        sliding_window=key("attention.sliding_window"),
        swa_pattern=tuple(bool(b) for b in pattern) if isinstance(pattern, tuple) else (),
        vocab_size=header.counts.get("tokenizer.ggml.tokens"),
        feed_forward_length=key("feed_forward_length"),
        layer_bytes=layer_bytes, output_bytes=output_bytes, other_bytes=other_bytes,
        chat_template=values.get("tokenizer.chat_template") or None,
        projector_type=values.get("clip.projector_type"),
        projection_dim=values.get("clip.vision.projection_dim"),
        has_vision_encoder=bool(values.get("clip.has_vision_encoder")),
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
