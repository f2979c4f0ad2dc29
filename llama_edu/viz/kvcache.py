"""The KV cache as figures and tables: its memory against context length, the calculator's rows, and the time per
generated token with and without it.

    bytes = 2 (K and V) * n_layers * n_kv_heads * head_dim * seq_len * batch * bytes_per_value

The memory numbers all come from config.kv_cache_bytes; the timed runs are llama_edu.kvcache.compare_decoding's.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..config import DTYPE_BYTES, ModelConfig, kv_cache_bytes
from ..i18n import t
from ..kvcache import GIB, DecodeRun
from .labels import localized_figure, number

FONT = dict(size=16)
CALCULATOR_DTYPES = {name: DTYPE_BYTES[name] for name in ("bfloat16", "float16", "float32", "int8")}


# ---- memory ----------------------------------------------------------------------------------------------------
def attention_label(cfg: ModelConfig, *, lang: str = "en") -> str:
    """ "MHA", or "GQA (8 KV heads)": how many KV heads the query heads share."""
    if cfg.attention_kind == "MHA":
        return "MHA"
    return t("viz.kvcache.attention_label", lang, kind=cfg.attention_kind, n=cfg.n_kv_heads)


def memory_rows(configs: dict[str, ModelConfig], seq_len: int, batch: int, bytes_per_value: float, *,
                lang: str = "en") -> list[dict]:
    """One row per model: the factors of the formula, filled in (written as `lang` writes numbers), and the result
    in bytes, GiB and KiB per token. Keys: llama_edu/strings/columns.yaml."""
    rows = []
    for name, cfg in configs.items():
        total = kv_cache_bytes(cfg, seq_len, batch, bytes_per_value)
        factors = (2, cfg.n_layers, cfg.n_kv_heads, cfg.head_dim, seq_len, batch)
        rows.append({
            "model": name, "attention": attention_label(cfg, lang=lang),
            "kv_cache_formula": " · ".join([*(number(f, ",", lang=lang) for f in factors),
                                            number(bytes_per_value, "g", lang=lang)]),
            "bytes": total, "gib": total / GIB, "per_token_kib": kv_cache_bytes(cfg, 1, 1, bytes_per_value) / 1024,
        })
    return rows


def context_lengths(max_len: int, start: int = 16) -> list[int]:
    """Powers of two from `start` up to max_len, and max_len itself."""
    lengths = [n for n in (2 ** k for k in range(40)) if start <= n < max_len]
    return lengths + [max_len]


@localized_figure
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


# ---- timing ----------------------------------------------------------------------------------------------------
@localized_figure
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


def cache_growth_rows(run: DecodeRun) -> list[dict]:
    """One row per step of a run with the cache: the filled part of layer 0's keys, and the bytes in use."""
    return [{"step": k, "cache_keys_shape": str(list(shape)), "cache_nbytes": nbytes}
            for k, (shape, nbytes) in enumerate(zip(run.cache_shapes, run.cache_bytes))]
