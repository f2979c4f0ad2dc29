"""What the KV cache costs and what it buys: its memory, worked out from the config, and the time per generated
token with it and without it, measured on the real model.

    bytes = 2 (K and V) * n_layers * n_kv_heads * head_dim * seq_len * batch * bytes_per_value

The cache itself is llama_edu.model.KVCache, filled by Transformer.forward; its size formula is
llama_edu.config.kv_cache_bytes. This module only uses the two: every memory number below comes from
kv_cache_bytes, every timed pass is the model's own forward.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field

import torch

from .config import ModelConfig, kv_cache_bytes
from .model import Transformer

GIB = 1024 ** 3


# ---- memory ----------------------------------------------------------------------------------------------------
def as_mha(cfg: ModelConfig) -> ModelConfig:
    """The same model with one key/value head per query head (multi-head attention)."""
    return cfg.replace(n_kv_heads=cfg.n_heads)


# The Llama releases whose KV cache the app compares (their published configurations, config.PRESETS), at 4,096
# tokens: Llama 2's context, which every one of them supports.
COMPARED_RELEASES = ["llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b", "llama-3.1-405b"]
COMPARED_CONTEXT = 4096


def kv_cache_rows(configs: dict[str, ModelConfig], seq_len: int = 4096, bytes_per_value: float = 2) -> list[dict]:
    """KV cache of one sequence of seq_len tokens, if the model had one KV head per query head, and as built, in GiB;
    "saved" is how many times smaller it is as built (1 for an MHA model). Keys: llama_edu/strings/columns.yaml."""
    rows = []
    for name, cfg in configs.items():
        mha = kv_cache_bytes(as_mha(cfg), seq_len, bytes_per_value=bytes_per_value)
        actual = kv_cache_bytes(cfg, seq_len, bytes_per_value=bytes_per_value)
        rows.append({"model": name, "attention": f"{cfg.attention_kind} {cfg.n_heads}/{cfg.n_kv_heads}",
                     "as_mha_gib": mha / GIB, "as_configured_gib": actual / GIB, "saved": mha / actual})
    return rows


# ---- the course slide's formula, and what it gets wrong -----------------------------------------------------------
def slide_formula_bytes(batch: int, layers: int, heads: int, embedded_dim: int, context: int,
                        bytes_per_value: float = 2) -> int:
    """The course slide's formula, as written: batch * layers * heads * embedded dim * context * 2 * bytes."""
    return int(batch * layers * heads * embedded_dim * context * 2 * bytes_per_value)


def slide_overcount(cfg: ModelConfig) -> tuple[int, int]:
    """How far the slide's heads * embedded_dim exceeds the real n_kv_heads * head_dim, split into its two causes:
    (dim / head_dim = n_heads: a whole model width per head, n_heads / n_kv_heads: query heads counted, not KV)."""
    return cfg.dim // cfg.head_dim, cfg.n_heads // cfg.n_kv_heads


@dataclass
class SlideCorrection:
    """The slide's KV-cache number next to the correct one, for one model, batch, context and dtype."""
    slide_bytes: int  # batch * layers * heads * dim * context * 2 * bytes, as the slide writes it
    per_width: int  # overcount from storing a whole model width per head (= n_heads)
    per_sharing: int  # overcount from counting query heads instead of KV heads (= n_heads / n_kv_heads)
    correct_batch_bytes: int  # kv_cache_bytes for the whole batch
    correct_one_bytes: int  # ... for one sequence
    mha_one_bytes: int  # ... for one sequence if every query head had its own K and V (MHA)


def slide_correction(cfg: ModelConfig, batch: int = 64, context: int = 4096,
                     bytes_per_value: float = 2) -> SlideCorrection:
    per_width, per_sharing = slide_overcount(cfg)
    return SlideCorrection(
        slide_bytes=slide_formula_bytes(batch, cfg.n_layers, cfg.n_heads, cfg.dim, context, bytes_per_value),
        per_width=per_width, per_sharing=per_sharing,
        correct_batch_bytes=kv_cache_bytes(cfg, context, batch, bytes_per_value),
        correct_one_bytes=kv_cache_bytes(cfg, context, 1, bytes_per_value),
        mha_one_bytes=kv_cache_bytes(as_mha(cfg), context, 1, bytes_per_value))


# ---- time per generated token, with and without the cache ----------------------------------------------------------
@dataclass
class DecodeRun:
    """One greedy generation, step by step. Step k is the forward pass that chose generated token k."""
    tokens: list[int] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)  # time of that forward pass
    tokens_processed: list[int] = field(default_factory=list)  # positions it ran: the prompt, then 1 or all
    seq_len: list[int] = field(default_factory=list)  # tokens in the sequence when the step ran
    cache_shapes: list[tuple[int, ...]] = field(default_factory=list)  # filled part of keys[0] after the step
    cache_bytes: list[int] = field(default_factory=list)  # cache.nbytes() after the step

    def add_step(self, token: int, ms: float, processed: int, seq_len: int, cache_shape: tuple[int, ...] = (),
                 cache_bytes: int = 0) -> None:
        self.tokens.append(token)
        self.ms.append(ms)
        self.tokens_processed.append(processed)
        self.seq_len.append(seq_len)
        self.cache_shapes.append(cache_shape)
        self.cache_bytes.append(cache_bytes)


def _timed_ms(forward, device: torch.device) -> tuple[torch.Tensor, float]:
    """(forward(), its wall time in ms). GPU work is asynchronous: wait for it before reading the clock."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    out = forward()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return out, (time.perf_counter() - start) * 1000


@torch.inference_mode()
def compare_decoding(model: Transformer, prompt_ids: list[int], n_new: int,
                     repeats: int = 2) -> tuple[DecodeRun, DecodeRun]:
    """Greedy generation of n_new tokens with a KV cache and without one, step by step in alternation.
    Returns (with_cache, without_cache); each path chooses its own tokens.

    What is measured: the time of the one forward pass that each step needs, the fastest of `repeats` tries (a
    machine shared with other work only ever adds time, so the minimum is the best estimate of the pass itself).
    Why it is fair to both paths: every try starts from the same state. The pass without a cache changes nothing,
    so it is simply run again. The pass with a cache writes its keys and values and advances cache.length, so
    each try runs on its own copy of the cache as it stood before the step (copied before the clock starts), and
    the last try's copy, advanced by the model's forward as any generation advances it, carries on to the next
    step. The two paths alternate step by step, so a change in machine load hits both alike.
    """
    if n_new < 1 or len(prompt_ids) + n_new > model.cfg.max_seq_len:
        raise ValueError(f"need 1 <= n_new and prompt + n_new <= {model.cfg.max_seq_len}, got "
                         f"{len(prompt_ids)} + {n_new}")
    device = model.device
    cache = model.new_kv_cache(max_len=len(prompt_ids) + n_new)
    cached_input = torch.tensor([prompt_ids], device=device)  # [1, T]: the prompt first (prefill), then 1 token
    full_sequence = torch.tensor([prompt_ids], device=device)  # [1, T + k]: everything, every step
    with_cache, without_cache = DecodeRun(), DecodeRun()
    for _ in range(n_new):
        fastest = float("inf")
        for _ in range(max(1, repeats)):
            step_cache = copy.deepcopy(cache)  # [B, Hkv, max_len, hd] per layer, as before this step
            logits, ms = _timed_ms(lambda: model(cached_input, cache=step_cache, last_only=True), device)
            fastest = min(fastest, ms)
        cache = step_cache
        token = int(logits[0, -1].argmax())
        filled = cache.keys[0][:, :, :cache.length]  # [B, Hkv, t, hd]
        with_cache.add_step(token, fastest, cached_input.shape[1], cache.length, tuple(filled.shape), cache.nbytes())
        cached_input = torch.tensor([[token]], device=device)  # [1, 1]

        fastest = float("inf")
        for _ in range(max(1, repeats)):
            logits, ms = _timed_ms(lambda: model(full_sequence, last_only=True), device)
            fastest = min(fastest, ms)
        token = int(logits[0, -1].argmax())
        without_cache.add_step(token, fastest, full_sequence.shape[1], full_sequence.shape[1])
        full_sequence = torch.cat([full_sequence, torch.tensor([[token]], device=device)], dim=1)  # [1, T + k + 1]
    return with_cache, without_cache


def repeat_to_length(ids: list[int], length: int) -> list[int]:
    """A longer prompt for the timing demo: the first token (BOS), then the others repeated; exactly `length` long."""
    body = ids[1:] or ids
    return (ids[:1] + body * (length // len(body) + 1))[:length]
