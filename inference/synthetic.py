"""Write random-weight Gemma 4 models (text GGUF + encoder-free gemma4uv mmproj) that llama.cpp
loads and runs like the real thing. The tests use a tiny one (well under a second to write and
load); benchmarks and the demo use sized-up ones, since decode cost depends on tensor shapes,
not on the values of the weights. Their output is gibberish, by design."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from gguf import GGML_QUANT_SIZES, GGMLQuantizationType, GGUFWriter, LlamaFileType, TokenType

PATCH_PX = 48  # gemma4uv: patch_size 16 x merge 3, one token per 48x48 patch
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|turn>{{ 'model' if message['role'] == 'assistant' else message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}<turn|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|turn>model\n{% endif %}"
)
CONTROL_TOKENS = ["<pad>", "<eos>", "<bos>", "<unk>", "<|turn>", "<turn|>", "<|image>",
                  "<image|>"]
# Plain tokens: characters plus a few HTML-ish words, so gibberish sometimes looks like markup.
_WORDS = ["▁", "<", ">", "</", "div", "html", "body", "style", "▁class", "=\"", "\">", "px", "ht",
          "htm"]
_MERGES = ["h t", "ht m", "htm l", "d i", "di v"]


@dataclass(frozen=True, kw_only=True)
class Gemma4Shape:
    """Sizes of a synthetic Gemma 4. The defaults make the tiny test model."""

    n_embd: int = 64
    n_layer: int = 2
    n_head: int = 2
    n_head_kv: int = 1
    head_dim: int = 32
    n_ff: int = 128
    n_ctx_train: int = 32768
    sliding_window: int = 512
    swa_every: int = 2  # every swa_every-th layer is full attention, the others sliding-window
    vision_dim: int = 32
    pos_table: int = 1120  # most patches per image side the position tables cover
    f16: bool = False
    vocab_size: int = 0  # pad the vocabulary to this size with unused tokens (real: 262144)
    # Gemma 4's full-attention layers may have their own head size and KV heads (its published
    # GGUFs: 512 and 2, against 256 and 8 in the sliding-window layers); 0: as the others.
    head_dim_full: int = 0
    n_head_kv_full: int = 0

    @property
    def swa_pattern(self) -> list[bool]:
        return [(i + 1) % self.swa_every != 0 for i in range(self.n_layer)]

    def attention(self, layer: int) -> tuple[int, int]:
        """(head size, KV heads) of one layer."""
        if self.swa_pattern[layer]:
            return self.head_dim, self.n_head_kv
        return self.head_dim_full or self.head_dim, self.n_head_kv_full or self.n_head_kv


TINY = Gemma4Shape()


def _vocab(size: int = 0) -> tuple[list[str], list[int]]:
    chars = [chr(c) for c in range(33, 127)]
    tokens = list(CONTROL_TOKENS)
    types = [TokenType.CONTROL] * len(tokens)
    types[CONTROL_TOKENS.index("<unk>")] = TokenType.UNKNOWN
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [TokenType.BYTE] * 256
    plain = [*_WORDS, "di", "html", "\n", *chars]
    for t in dict.fromkeys(plain):  # keep order, drop repeats
        if t not in tokens:
            tokens.append(t)
            types.append(TokenType.NORMAL)
    padding = max(0, size - len(tokens))
    tokens += [f"<unused{i}>" for i in range(padding)]
    types += [TokenType.UNUSED] * padding
    return tokens, [int(t) for t in types]


def _weights(rng: np.random.Generator, shape: tuple[int, ...], f16: bool,
             std: float = 0.02) -> np.ndarray:
    w = rng.normal(0.0, std, size=shape).astype(np.float32)
    return w.astype(np.float16) if f16 else w


def _text_header(path: Path, shape: Gemma4Shape, tokens: list[str], types: list[int], *,
                 name: str, file_type: int, chat_template: str | None) -> GGUFWriter:
    """A writer holding every key llama.cpp's gemma4 loader reads; tensors are added after."""
    w = GGUFWriter(str(path), "gemma4")
    w.add_name(name)
    w.add_file_type(file_type)
    arch = "gemma4"
    w.add_uint32(f"{arch}.context_length", shape.n_ctx_train)
    w.add_uint32(f"{arch}.embedding_length", shape.n_embd)
    w.add_uint32(f"{arch}.block_count", shape.n_layer)
    w.add_uint32(f"{arch}.feed_forward_length", shape.n_ff)
    w.add_uint32(f"{arch}.attention.head_count", shape.n_head)
    kv_heads = [shape.attention(i)[1] for i in range(shape.n_layer)]
    if len(set(kv_heads)) == 1:
        w.add_uint32(f"{arch}.attention.head_count_kv", shape.n_head_kv)
    else:
        w.add_array(f"{arch}.attention.head_count_kv", kv_heads)
    full = shape.head_dim_full or shape.head_dim
    for kind in ("key_length", "value_length"):
        w.add_uint32(f"{arch}.attention.{kind}", full)
        w.add_uint32(f"{arch}.attention.{kind}_swa", shape.head_dim)
    w.add_uint32(f"{arch}.attention.sliding_window", shape.sliding_window)
    w.add_array(f"{arch}.attention.sliding_window_pattern", shape.swa_pattern)
    w.add_float32(f"{arch}.attention.layer_norm_rms_epsilon", 1e-6)
    w.add_uint32(f"{arch}.embedding_length_per_layer_input", 0)
    w.add_uint32(f"{arch}.attention.shared_kv_layers", 0)
    w.add_uint32(f"{arch}.rope.dimension_count", full)
    w.add_uint32(f"{arch}.rope.dimension_count_swa", shape.head_dim)
    w.add_float32(f"{arch}.rope.freq_base", 1_000_000.0)
    w.add_float32(f"{arch}.rope.freq_base_swa", 10_000.0)
    w.add_float32(f"{arch}.final_logit_softcapping", 30.0)

    w.add_tokenizer_model("gemma4")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_scores([0.0] * len(tokens))
    w.add_token_merges(_MERGES)
    w.add_bos_token_id(tokens.index("<bos>"))
    w.add_eos_token_id(tokens.index("<eos>"))
    w.add_unk_token_id(tokens.index("<unk>"))
    w.add_pad_token_id(tokens.index("<pad>"))
    w.add_add_bos_token(True)
    if chat_template:
        w.add_chat_template(chat_template)
    return w


def write_text_model(path: Path, shape: Gemma4Shape = TINY, seed: int = 0, *,
                     chat_template: str | None = CHAT_TEMPLATE) -> Path:
    """``chat_template`` None writes a model without one, as old conversions are."""
    rng = np.random.default_rng(seed)
    tokens, types = _vocab(shape.vocab_size)
    n_vocab = len(tokens)
    w = _text_header(path, shape, tokens, types,
                     name=f"synthetic-gemma4-{shape.n_layer}L-{shape.n_embd}",
                     file_type=LlamaFileType.MOSTLY_F16 if shape.f16 else LlamaFileType.ALL_F32,
                     chat_template=chat_template)

    f16 = shape.f16
    w.add_tensor("token_embd.weight", _weights(rng, (n_vocab, shape.n_embd), f16, std=0.5))
    # An output matrix of its own: with tied embeddings a near-identity random model only
    # repeats its last token. Zero rows give control and byte tokens a logit of 0 while about
    # half the plain tokens score above it, so top-k sampling never picks them: answers never
    # end early (tests get exactly max_tokens tokens) and hold no stray bytes, on which
    # llama-cpp-python's streaming detokenizer stalls for seconds.
    out = rng.normal(0.0, 0.5, size=(n_vocab, shape.n_embd)).astype(np.float32)
    out[: len(CONTROL_TOKENS) + 256] = 0.0
    out[[i for i, t in enumerate(types) if t == TokenType.UNUSED]] = 0.0
    w.add_tensor("output.weight", out.astype(np.float16) if f16 else out)
    w.add_tensor("output_norm.weight", np.ones(shape.n_embd, np.float32))
    w.add_tensor("rope_freqs.weight",
                 np.ones((shape.head_dim_full or shape.head_dim) // 2, np.float32))
    ones = np.ones(shape.n_embd, np.float32)
    for i in range(shape.n_layer):
        b = f"blk.{i}."
        hd, kv_heads = shape.attention(i)
        q, kv = hd * shape.n_head, hd * kv_heads
        w.add_tensor(b + "attn_norm.weight", ones)
        w.add_tensor(b + "attn_q.weight", _weights(rng, (q, shape.n_embd), f16))
        w.add_tensor(b + "attn_k.weight", _weights(rng, (kv, shape.n_embd), f16))
        w.add_tensor(b + "attn_v.weight", _weights(rng, (kv, shape.n_embd), f16))
        w.add_tensor(b + "attn_output.weight", _weights(rng, (shape.n_embd, q), f16))
        w.add_tensor(b + "attn_q_norm.weight", np.ones(hd, np.float32))
        w.add_tensor(b + "attn_k_norm.weight", np.ones(hd, np.float32))
        w.add_tensor(b + "post_attention_norm.weight", ones)
        w.add_tensor(b + "ffn_norm.weight", ones)
        w.add_tensor(b + "ffn_gate.weight", _weights(rng, (shape.n_ff, shape.n_embd), f16))
        w.add_tensor(b + "ffn_up.weight", _weights(rng, (shape.n_ff, shape.n_embd), f16))
        w.add_tensor(b + "ffn_down.weight", _weights(rng, (shape.n_embd, shape.n_ff), f16))
        w.add_tensor(b + "post_ffw_norm.weight", ones)
    _finish(w)
    return path


def write_mmproj(path: Path, shape: Gemma4Shape = TINY, seed: int = 1, *,
                 projection_dim: int | None = None, f16: bool = False) -> Path:
    """``projection_dim`` other than the model's embedding size makes a mismatched pair;
    ``f16`` stores the three matrices in F16, as published projectors are."""
    rng = np.random.default_rng(seed)
    dv, k = shape.vision_dim, PATCH_PX * PATCH_PX * 3
    proj = projection_dim or shape.n_embd
    w = GGUFWriter(str(path), "clip")
    w.add_name("synthetic-gemma4uv-mmproj")
    w.add_file_type(LlamaFileType.MOSTLY_F16 if f16 else LlamaFileType.ALL_F32)
    w.add_string("clip.projector_type", "gemma4uv")
    w.add_bool("clip.has_vision_encoder", True)
    w.add_uint32("clip.vision.image_size", 224)
    w.add_uint32("clip.vision.patch_size", 16)
    w.add_uint32("clip.vision.embedding_length", dv)
    w.add_uint32("clip.vision.feed_forward_length", 0)
    w.add_uint32("clip.vision.block_count", 0)
    w.add_uint32("clip.vision.attention.head_count", 0)
    w.add_uint32("clip.vision.projection_dim", proj)
    w.add_float32("clip.vision.attention.layer_norm_epsilon", 1e-6)
    w.add_array("clip.vision.image_mean", [0.5, 0.5, 0.5])
    w.add_array("clip.vision.image_std", [0.5, 0.5, 0.5])
    f32 = np.float32
    w.add_tensor("v.patch_norm.1.weight", np.ones(k, f32))
    w.add_tensor("v.patch_norm.1.bias", np.zeros(k, f32))
    w.add_tensor("v.patch_embd.weight", _weights(rng, (dv, k), f16))
    w.add_tensor("v.patch_embd.bias", np.zeros(dv, f32))
    w.add_tensor("v.patch_norm.2.weight", np.ones(dv, f32))
    w.add_tensor("v.patch_norm.2.bias", np.zeros(dv, f32))
    w.add_tensor("v.position_embd.weight", _weights(rng, (2, shape.pos_table, dv), f16))
    w.add_tensor("v.patch_norm.3.weight", np.ones(dv, f32))
    w.add_tensor("v.patch_norm.3.bias", np.zeros(dv, f32))
    w.add_tensor("mm.input_projection.weight", _weights(rng, (proj, dv), f16))
    _finish(w)
    return path


def _finish(w: GGUFWriter) -> None:
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_pair(folder: Path, shape: Gemma4Shape = TINY, seed: int = 0) -> tuple[Path, Path]:
    """Write ``model.gguf`` and ``mmproj.gguf`` into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    model = write_text_model(folder / "synthetic-gemma4.gguf", shape, seed)
    mmproj = write_mmproj(folder / "mmproj-synthetic-gemma4.gguf", shape, seed + 1)
    return model, mmproj


# --- The real-shaped pair: Gemma 4 12B QAT Q4_K_M, at its real size ---------------------------
#
# No Gemma 4 12B file or config can be downloaded here. The widths are those of Gemma 3 12B,
# its predecessor of the same size, from its published Hugging Face config
# (google/gemma-3-12b-it, config.json "text_config"), written down from memory: hidden_size
# 3840, num_hidden_layers 48, num_attention_heads 16, num_key_value_heads 8, head_dim 256,
# intermediate_size 15360. What Gemma 4 does differently comes from the one Gemma 4 GGUF
# header at hand, the vocabulary file llama.cpp ships (vendor/llama.cpp/models/
# ggml-vocab-gemma-4.gguf in the llama-cpp-python 0.3.36 sdist, which carries its model's
# hyperparameters): sliding window 1024 with five sliding layers to one full-attention layer,
# full-attention layers with 512-wide heads and 2 KV heads, a 262,144-token context and
# vocabulary. Tensor names and keys follow llama.cpp's gemma4 loader (src/models/gemma4.cpp);
# the quantization type of each tensor follows llama.cpp's Q4_K_M recipe
# (src/llama-quant.cpp, llama_tensor_get_type_impl). The file comes to 7.4 GB (Gemma 3 12B's
# published Q4_K_M is 7.3 GB); the catalog's "about 6.6 GB" is not a measured figure.
GEMMA4_12B = Gemma4Shape(
    n_embd=3840, n_layer=48, n_head=16, n_head_kv=8, head_dim=256, n_ff=15360,
    head_dim_full=512, n_head_kv_full=2, n_ctx_train=262144, sliding_window=1024, swa_every=6,
    # gemma4uv's widths are not in anything readable here: the vision width is SigLIP's 1152
    # (Gemma 3's encoder), the position tables cover the 1120-patch maximum per side.
    vision_dim=1152, pos_table=1120, vocab_size=262144)

GEMMA4_CONTROL = {0: "<pad>", 1: "<eos>", 2: "<bos>", 3: "<unk>", 4: "<mask>", 46: "<|tool>",
                  47: "<tool|>", 98: "<|think|>", 105: "<|turn>", 106: "<turn|>",
                  255999: "<|image>", 256000: "<|audio>", 258880: "<|image|>",
                  258881: "<|audio|>", 258882: "<image|>", 258883: "<audio|>",
                  258884: "<|video|>"}
GEMMA4_USER_DEFINED = {48: "<|tool_call>", 49: "<tool_call|>", 50: "<|tool_response>",
                       51: "<tool_response|>", 52: '<|"|>', 100: "<|channel>",
                       101: "<channel|>"}
GEMMA4_BYTES_AT, GEMMA4_UNUSED = 238, 6227

_SYLLABLES = [c + v for c in "bcdfghklmnprstvwz" for v in "aeiou"]


def _real_vocab(size: int) -> tuple[list[str], list[int]]:
    """Gemma 4's layout at full size: its specials where it keeps them, unused slots in the
    low ids and at the end, and ~255k plain word pieces (made-up syllable words, with and
    without the ``▁`` word start) in between."""
    tokens: list[str | None] = [None] * size
    types = [int(TokenType.NORMAL)] * size
    for table, kind in ((GEMMA4_CONTROL, TokenType.CONTROL),
                        (GEMMA4_USER_DEFINED, TokenType.USER_DEFINED)):
        for i, text in table.items():
            tokens[i], types[i] = text, int(kind)
    for b in range(256):
        tokens[GEMMA4_BYTES_AT + b] = f"<0x{b:02X}>"
        types[GEMMA4_BYTES_AT + b] = int(TokenType.BYTE)
    free = [i for i in range(GEMMA4_BYTES_AT) if tokens[i] is None]
    free += [i for i in range(size - 1, GEMMA4_BYTES_AT, -1) if tokens[i] is None]
    for n, i in enumerate(free[:GEMMA4_UNUSED]):
        tokens[i] = f"<unused{n}>"
    plain = dict.fromkeys([*_WORDS, "di", "html", "\n", *(chr(c) for c in range(33, 127))])
    words = ("".join(w) for n in (1, 2, 3) for w in itertools.product(_SYLLABLES, repeat=n))
    slots = [i for i, t in enumerate(tokens) if t is None]
    while len(plain) < len(slots):
        word = next(words)
        plain.update({word: None, "▁" + word: None})
    for i, text in zip(slots, plain, strict=False):
        tokens[i] = text
    assert len(set(tokens)) == size
    return [t or "" for t in tokens], types


def _more_bits(i: int, n: int) -> bool:
    """llama.cpp's use_more_bits: the Q4_K_M recipe gives these layers' ffn_down and attn_v
    Q6_K."""
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def gemma4_tensors(shape: Gemma4Shape) -> list[tuple[str, tuple[int, ...], GGMLQuantizationType]]:
    """(name, ggml ne, type) of every tensor of a Q4_K_M Gemma 4 text model, in file order."""
    q4, q6, f32 = GGMLQuantizationType.Q4_K, GGMLQuantizationType.Q6_K, GGMLQuantizationType.F32
    e = shape.n_embd
    out = [("token_embd.weight", (e, shape.vocab_size), q6),  # tied output: Q6_K
           ("output_norm.weight", (e,), f32),
           ("rope_freqs.weight", ((shape.head_dim_full or shape.head_dim) // 2,), f32)]
    for i in range(shape.n_layer):
        more = _more_bits(i, shape.n_layer)
        hd, kv_heads = shape.attention(i)
        q, kv = hd * shape.n_head, hd * kv_heads
        out += [(f"blk.{i}.{name}", ne, t) for name, ne, t in [
            ("attn_norm.weight", (e,), f32), ("attn_q.weight", (e, q), q4),
            ("attn_k.weight", (e, kv), q4), ("attn_v.weight", (e, kv), q6 if more else q4),
            ("attn_output.weight", (q, e), q4), ("attn_q_norm.weight", (hd,), f32),
            ("attn_k_norm.weight", (hd,), f32), ("post_attention_norm.weight", (e,), f32),
            ("ffn_norm.weight", (e,), f32), ("ffn_gate.weight", (e, shape.n_ff), q4),
            ("ffn_up.weight", (e, shape.n_ff), q4),
            ("ffn_down.weight", (shape.n_ff, e), q6 if more else q4),
            ("post_ffw_norm.weight", (e,), f32)]]
    return out


def _nbytes(ne: tuple[int, ...], qtype: GGMLQuantizationType) -> int:
    block, size = GGML_QUANT_SIZES[qtype]
    return int(np.prod(ne)) // block * size


# Where each block keeps its f16 scale(s), and a scale that keeps random weights near 0.02:
# Q4_K = d, dmin, 12 scale bytes, 128 nibbles; Q6_K = 128 + 64 quant bytes, 16 scales, d.
_SCALES = {GGMLQuantizationType.Q4_K: ((0, 2), 1e-4), GGMLQuantizationType.Q6_K: ((208,), 2e-5)}
_POOL_BLOCKS = 1 << 18  # ~40 MB of random blocks per type, written from random places


def _random_blocks(qtype: GGMLQuantizationType, rng: np.random.Generator) -> np.ndarray:
    """Random quantized blocks with sane f16 scales (random bytes there give NaN and inf)."""
    block_size = GGML_QUANT_SIZES[qtype][1]
    offsets, scale = _SCALES[qtype]
    n = _POOL_BLOCKS
    blocks = np.frombuffer(rng.bytes(n * block_size), np.uint8).reshape(n, block_size).copy()
    for at in offsets:
        d = rng.uniform(0.5 * scale, 1.5 * scale, n).astype(np.float16)
        blocks[:, at:at + 2] = d.view(np.uint8).reshape(n, 2)
    return blocks


def _write_random(f: BinaryIO, pool: np.ndarray, nbytes: int, rng: np.random.Generator) -> None:
    """``nbytes`` of blocks taken from random places of ``pool``: as costly to decode as fresh
    random data (speed depends on shapes and types only), and written at disk speed where
    generating 7 GB of random numbers would take minutes."""
    left = nbytes // pool.shape[1]
    while left:
        n = min(left, len(pool) // 2)
        start = int(rng.integers(0, len(pool) - n + 1))
        f.write(pool[start:start + n].tobytes())
        left -= n


def write_real_shaped_model(path: Path, shape: Gemma4Shape = GEMMA4_12B, *,
                            random_data: bool = False, seed: int = 0) -> Path:
    """A Q4_K_M Gemma 4 text model of ``shape`` at its real file size. The quantized matrices
    are a sparse hole (llama.cpp reads zeros; the file takes a few MB of disk) unless
    ``random_data``, which writes random Q4_K/Q6_K blocks so that decoding costs what it
    really does. Norms and rope factors are real values either way (zeros there give NaN)."""
    rng = np.random.default_rng(seed)
    tokens, types = _real_vocab(shape.vocab_size)
    w = _text_header(path, shape, tokens, types, name="synthetic Gemma 4 12B (real shape)",
                     file_type=LlamaFileType.MOSTLY_Q4_K_M, chat_template=CHAT_TEMPLATE)
    tensors = gemma4_tensors(shape)
    for name, ne, qtype in tensors:
        w.add_tensor_info(name, tuple(reversed(ne)), np.dtype(np.float32), _nbytes(ne, qtype),
                          raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    assert w.fout is not None
    start = GGUFWriter.ggml_pad(w.fout[0].tell(), w.data_alignment)
    w.close()
    pools = {q: _random_blocks(q, rng) for q in _SCALES} if random_data else {}
    with path.open("r+b") as f:
        offset = start
        for _, ne, qtype in tensors:
            f.seek(offset)
            nbytes = _nbytes(ne, qtype)
            if qtype == GGMLQuantizationType.F32:
                f.write(np.ones(ne, np.float32).tobytes())
            elif random_data:
                _write_random(f, pools[qtype], nbytes, rng)
            offset += GGUFWriter.ggml_pad(nbytes, w.data_alignment)
        f.truncate(offset)
    return path


def write_real_shaped_pair(folder: Path, *, random_data: bool = False, seed: int = 0,
                           shape: Gemma4Shape = GEMMA4_12B) -> tuple[Path, Path]:
    """A pair shaped like Gemma 4 12B QAT Q4_K_M and its F16 gemma4uv projector, written into
    ``folder`` in seconds (a minute or so with ``random_data``); return (model, mmproj).
    Another ``shape`` makes the same kind of file at another size."""
    folder.mkdir(parents=True, exist_ok=True)
    model = write_real_shaped_model(folder / "gemma-4-12b-it-Q4_K_M.gguf", shape,
                                    random_data=random_data, seed=seed)
    mmproj = write_mmproj(folder / "mmproj-gemma-4-12b-it-F16.gguf", shape, seed + 1, f16=True)
    return model, mmproj
