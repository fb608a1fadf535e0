"""Write random-weight Gemma 4 models (text GGUF + encoder-free gemma4uv mmproj) that llama.cpp
loads and runs like the real thing. The tests use a tiny one (well under a second to write and
load); benchmarks and the demo use sized-up ones, since decode cost depends on tensor shapes,
not on the values of the weights. Their output is gibberish, by design."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from gguf import GGUFWriter, LlamaFileType, TokenType

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

    @property
    def swa_pattern(self) -> list[bool]:
        return [(i + 1) % self.swa_every != 0 for i in range(self.n_layer)]


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


def write_text_model(path: Path, shape: Gemma4Shape = TINY, seed: int = 0, *,
                     chat_template: str | None = CHAT_TEMPLATE) -> Path:
    """``chat_template`` None writes a model without one, as old conversions are."""
    rng = np.random.default_rng(seed)
    tokens, types = _vocab(shape.vocab_size)
    n_vocab = len(tokens)
    w = GGUFWriter(str(path), "gemma4")
    w.add_name(f"synthetic-gemma4-{shape.n_layer}L-{shape.n_embd}")
    w.add_file_type(LlamaFileType.MOSTLY_F16 if shape.f16 else LlamaFileType.ALL_F32)
    arch = "gemma4"
    w.add_uint32(f"{arch}.context_length", shape.n_ctx_train)
    w.add_uint32(f"{arch}.embedding_length", shape.n_embd)
    w.add_uint32(f"{arch}.block_count", shape.n_layer)
    w.add_uint32(f"{arch}.feed_forward_length", shape.n_ff)
    w.add_uint32(f"{arch}.attention.head_count", shape.n_head)
    w.add_uint32(f"{arch}.attention.head_count_kv", shape.n_head_kv)
    for kind in ("key_length", "value_length", "key_length_swa", "value_length_swa"):
        w.add_uint32(f"{arch}.attention.{kind}", shape.head_dim)
    w.add_uint32(f"{arch}.attention.sliding_window", shape.sliding_window)
    w.add_array(f"{arch}.attention.sliding_window_pattern", shape.swa_pattern)
    w.add_float32(f"{arch}.attention.layer_norm_rms_epsilon", 1e-6)
    w.add_uint32(f"{arch}.embedding_length_per_layer_input", 0)
    w.add_uint32(f"{arch}.attention.shared_kv_layers", 0)
    w.add_uint32(f"{arch}.rope.dimension_count", shape.head_dim)
    w.add_uint32(f"{arch}.rope.dimension_count_swa", shape.head_dim)
    w.add_float32(f"{arch}.rope.freq_base", 1_000_000.0)
    w.add_float32(f"{arch}.rope.freq_base_swa", 10_000.0)
    w.add_float32(f"{arch}.final_logit_softcapping", 30.0)

    w.add_tokenizer_model("gemma4")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_scores([0.0] * n_vocab)
    w.add_token_merges(_MERGES)
    w.add_bos_token_id(tokens.index("<bos>"))
    w.add_eos_token_id(tokens.index("<eos>"))
    w.add_unk_token_id(tokens.index("<unk>"))
    w.add_pad_token_id(tokens.index("<pad>"))
    w.add_add_bos_token(True)
    if chat_template:
        w.add_chat_template(chat_template)

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
    w.add_tensor("rope_freqs.weight", np.ones(shape.head_dim // 2, np.float32))
    q, kv = shape.head_dim * shape.n_head, shape.head_dim * shape.n_head_kv
    ones = np.ones(shape.n_embd, np.float32)
    for i in range(shape.n_layer):
        b = f"blk.{i}."
        w.add_tensor(b + "attn_norm.weight", ones)
        w.add_tensor(b + "attn_q.weight", _weights(rng, (q, shape.n_embd), f16))
        w.add_tensor(b + "attn_k.weight", _weights(rng, (kv, shape.n_embd), f16))
        w.add_tensor(b + "attn_v.weight", _weights(rng, (kv, shape.n_embd), f16))
        w.add_tensor(b + "attn_output.weight", _weights(rng, (shape.n_embd, q), f16))
        w.add_tensor(b + "attn_q_norm.weight", np.ones(shape.head_dim, np.float32))
        w.add_tensor(b + "attn_k_norm.weight", np.ones(shape.head_dim, np.float32))
        w.add_tensor(b + "post_attention_norm.weight", ones)
        w.add_tensor(b + "ffn_norm.weight", ones)
        w.add_tensor(b + "ffn_gate.weight", _weights(rng, (shape.n_ff, shape.n_embd), f16))
        w.add_tensor(b + "ffn_up.weight", _weights(rng, (shape.n_ff, shape.n_embd), f16))
        w.add_tensor(b + "ffn_down.weight", _weights(rng, (shape.n_embd, shape.n_ff), f16))
        w.add_tensor(b + "post_ffw_norm.weight", ones)
    _finish(w)
    return path


def write_mmproj(path: Path, shape: Gemma4Shape = TINY, seed: int = 1, *,
                 projection_dim: int | None = None) -> Path:
    """``projection_dim`` other than the model's embedding size makes a mismatched pair."""
    rng = np.random.default_rng(seed)
    dv, k = shape.vision_dim, PATCH_PX * PATCH_PX * 3
    proj = projection_dim or shape.n_embd
    w = GGUFWriter(str(path), "clip")
    w.add_name("synthetic-gemma4uv-mmproj")
    w.add_file_type(LlamaFileType.ALL_F32)
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
    w.add_tensor("v.patch_embd.weight", _weights(rng, (dv, k), False))
    w.add_tensor("v.patch_embd.bias", np.zeros(dv, f32))
    w.add_tensor("v.patch_norm.2.weight", np.ones(dv, f32))
    w.add_tensor("v.patch_norm.2.bias", np.zeros(dv, f32))
    w.add_tensor("v.position_embd.weight", _weights(rng, (2, shape.pos_table, dv), False))
    w.add_tensor("v.patch_norm.3.weight", np.ones(dv, f32))
    w.add_tensor("v.patch_norm.3.bias", np.zeros(dv, f32))
    w.add_tensor("mm.input_projection.weight", _weights(rng, (proj, dv), False))
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
