"""The KV cache: what it costs (memory, arithmetic on the config) and what it buys (time per generated token).

    bytes = 2 (K and V) * n_layers * n_kv_heads * head_dim * seq_len * batch * bytes_per_value

The memory numbers all come from config.kv_cache_bytes; the timing runs the real model with and without a cache.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..config import DTYPE_BYTES, ModelConfig, kv_cache_bytes
from ..i18n import t
from ..model import Transformer
from .labels import number

FONT = dict(size=16)
GIB = 1024 ** 3
CALCULATOR_DTYPES = {name: DTYPE_BYTES[name] for name in ("bfloat16", "float16", "float32", "int8")}


# ---- memory ----------------------------------------------------------------------------------------------------
def as_mha(cfg: ModelConfig) -> ModelConfig:
    """The same model with one key/value head per query head (multi-head attention)."""
    return cfg.replace(n_kv_heads=cfg.n_heads)


def attention_label(cfg: ModelConfig, *, lang: str = "en") -> str:
    """ "MHA", or "GQA (8 KV heads)": how many KV heads the query heads share."""
    if cfg.attention_kind == "MHA":
        return "MHA"
    return t("viz.kvcache.attention_label", lang, kind=cfg.attention_kind, n=cfg.n_kv_heads)


def memory_rows(configs: dict[str, ModelConfig], seq_len: int, batch: int, bytes_per_value: float) -> list[dict]:
    """One row per model: the factors of the formula, filled in, and the result."""
    rows = []
    for name, cfg in configs.items():
        total = kv_cache_bytes(cfg, seq_len, batch, bytes_per_value)
        rows.append({
            "model": name, "attention": attention_label(cfg),
            "2 · layers · KV heads · head_dim · tokens · batch · bytes":
                f"2 · {cfg.n_layers} · {cfg.n_kv_heads} · {cfg.head_dim} · {seq_len:,} · {batch} · {bytes_per_value:g}",
            "bytes": f"{total:,}", "GiB": round(total / GIB, 4),
            "per token (KiB)": round(kv_cache_bytes(cfg, 1, 1, bytes_per_value) / 1024, 1),
        })
    return rows


def context_lengths(max_len: int, start: int = 16) -> list[int]:
    """Powers of two from `start` up to max_len, and max_len itself."""
    lengths = [n for n in (2 ** k for k in range(40)) if start <= n < max_len]
    return lengths + [max_len]


def memory_vs_context_figure(configs: dict[str, ModelConfig], batch: int, bytes_per_value: float, *,
                             lang: str = "en") -> go.Figure:
    """KV-cache GiB against context length, each model up to its own maximum context; log-log axes."""
    fig = go.Figure()
    for name, cfg in configs.items():
        lengths = context_lengths(cfg.max_seq_len)
        gib = [kv_cache_bytes(cfg, n, batch, bytes_per_value) / GIB for n in lengths]
        hover = t("viz.kvcache.memory.hover", lang, model=name, n="%{x:,}", gib="%{y:.3g}")
        fig.add_trace(go.Scatter(x=lengths, y=gib, mode="lines+markers",
                                 name=f"{name}, {attention_label(cfg, lang=lang)}",
                                 hovertemplate=hover + "<extra></extra>"))
    fig.update_xaxes(type="log", title=t("viz.kvcache.memory.x", lang))
    fig.update_yaxes(type="log", title=t("viz.kvcache.memory.y", lang, batch=number(batch, ",", lang=lang)),
                     exponentformat="power")
    fig.update_layout(font=FONT, height=480, legend=dict(orientation="h", y=-0.22))
    return fig


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


# ---- timing ----------------------------------------------------------------------------------------------------
@dataclass
class DecodeRun:
    """One greedy generation, step by step. Step k is the forward pass that chose generated token k."""
    tokens: list[int] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)  # time of that forward pass
    tokens_processed: list[int] = field(default_factory=list)  # positions it ran: the prompt, then 1 or all
    seq_len: list[int] = field(default_factory=list)  # tokens in the sequence when the step ran
    cache_shapes: list[tuple[int, ...]] = field(default_factory=list)  # filled part of keys[0] after the step
    cache_bytes: list[int] = field(default_factory=list)  # cache.nbytes() after the step


def _timed(forward, repeats: int, device: torch.device) -> tuple[torch.Tensor, float]:
    """(output, fastest of `repeats` runs in ms). The fastest, not the mean: a machine shared with other work
    only ever adds time, so the minimum is the best estimate of the pass itself."""
    best, out = float("inf"), None
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        out = forward()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        best = min(best, (time.perf_counter() - start) * 1000)
    return out, best


@torch.inference_mode()
def compare_decoding(model: Transformer, prompt_ids: list[int], n_new: int, repeats: int = 2) -> tuple[DecodeRun, DecodeRun]:
    """Greedy generation of n_new tokens with a KV cache and without one, step by step in alternation (so a change
    in machine load hits both alike). Returns (with_cache, without_cache); each path chooses its own tokens."""
    if n_new < 1 or len(prompt_ids) + n_new > model.cfg.max_seq_len:
        raise ValueError(f"need 1 <= n_new and prompt + n_new <= {model.cfg.max_seq_len}, got "
                         f"{len(prompt_ids)} + {n_new}")
    device = model.device
    cache = model.new_kv_cache(max_len=len(prompt_ids) + n_new)
    cached_input = torch.tensor([prompt_ids], device=device)  # [1, T]: the prompt first (prefill), then 1 token
    full_sequence = torch.tensor([prompt_ids], device=device)  # [1, T + k]: everything, every step
    with_cache, without_cache = DecodeRun(), DecodeRun()
    for _ in range(n_new):
        start = cache.length

        def cached_step():
            cache.length = start  # a repeat overwrites the same slots, so the cache ends as after one pass
            return model(cached_input, cache=cache, last_only=True)

        logits, ms = _timed(cached_step, repeats, device)
        token = int(logits[0, -1].argmax())
        filled = cache.keys[0][:, :, :cache.length]  # [B, Hkv, t, hd]
        _record(with_cache, token, ms, cached_input.shape[1], start + cached_input.shape[1],
                tuple(filled.shape), cache.nbytes())
        cached_input = torch.tensor([[token]], device=device)  # [1, 1]

        logits, ms = _timed(lambda: model(full_sequence, last_only=True), repeats, device)
        token = int(logits[0, -1].argmax())
        _record(without_cache, token, ms, full_sequence.shape[1], full_sequence.shape[1], (), 0)
        full_sequence = torch.cat([full_sequence, torch.tensor([[token]], device=device)], dim=1)
    return with_cache, without_cache


def _record(run: DecodeRun, token, ms, processed, seq_len, shape, nbytes) -> None:
    run.tokens.append(token)
    run.ms.append(ms)
    run.tokens_processed.append(processed)
    run.seq_len.append(seq_len)
    run.cache_shapes.append(shape)
    run.cache_bytes.append(nbytes)


def decode_timing_figure(with_cache: DecodeRun, without_cache: DecodeRun, *, lang: str = "en") -> go.Figure:
    """Top: ms per step against the sequence length at that step (measured, noisy on a busy machine).
    Bottom: positions each step pushes through the model (exact): the prompt at step 0 in both cases, then 1
    with the cache and all of them without."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.1,
                        subplot_titles=(t("viz.kvcache.timing.measured", lang), t("viz.kvcache.timing.exact", lang)))
    computed = t("viz.kvcache.timing.computed", lang, n="%{customdata[1]}")
    time_hover = "<br>".join([t("viz.kvcache.timing.step", lang, step="%{customdata[0]}", detail=computed),
                              t("viz.kvcache.timing.sequence", lang, n="%{x}", detail="%{y:.2f} ms")])
    positions_hover = t("viz.kvcache.timing.sequence", lang, n="%{x}",
                        detail=t("viz.kvcache.timing.computed", lang, n="%{y}"))
    for run, name, colour in ((without_cache, t("viz.kvcache.timing.without", lang), "#d62728"),
                              (with_cache, t("viz.kvcache.timing.with", lang), "#1f77b4")):
        steps = list(range(len(run.ms)))
        fig.add_trace(go.Scatter(
            x=run.seq_len, y=run.ms, mode="lines+markers", name=name, line=dict(color=colour), legendgroup=name,
            customdata=list(zip(steps, run.tokens_processed)),
            hovertemplate=time_hover + "<extra></extra>"), row=1, col=1)
        fig.add_trace(go.Scatter(
            x=run.seq_len, y=run.tokens_processed, mode="lines+markers", name=name, line=dict(color=colour),
            legendgroup=name, showlegend=False, hovertemplate=positions_hover + "<extra></extra>"), row=2, col=1)
    fig.update_xaxes(title=t("viz.kvcache.timing.x", lang), row=2, col=1)
    fig.update_yaxes(title=t("viz.kvcache.timing.ms", lang), rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title=t("viz.kvcache.timing.positions", lang), rangemode="tozero", row=2, col=1)
    fig.update_layout(font=FONT, height=560, legend=dict(orientation="h", y=-0.18))
    return fig


def repeat_to_length(ids: list[int], length: int) -> list[int]:
    """A longer prompt for the timing demo: the first token (BOS), then the others repeated; exactly `length` long."""
    body = ids[1:] or ids
    return (ids[:1] + body * (length // len(body) + 1))[:length]


def cache_growth_rows(run: DecodeRun) -> list[dict]:
    return [{"step": k, "cache.keys[0][:, :, :t].shape": str(list(shape)), "cache.nbytes()": f"{nbytes:,}"}
            for k, (shape, nbytes) in enumerate(zip(run.cache_shapes, run.cache_bytes))]
