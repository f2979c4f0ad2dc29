"""The KV cache as figures and tables: its memory against context length, the calculator's rows, and the time per
generated token with and without it.

    bytes = 2 (K and V) * n_layers * n_kv_heads * head_dim * seq_len * batch * bytes_per_value

The memory numbers all come from config.kv_cache_bytes; the timed runs are llama_edu.kvcache.decode_steps' (each
step's tries, summarised by llama_edu.timing), and the counted work is kvcache.forward_multiply_adds.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..config import DTYPE_BYTES, ModelConfig, kv_cache_bytes
from ..i18n import t
from ..kvcache import GIB, DecodeRun
from . import palette
from .labels import localized_figure, number

FONT = {"size": 16}
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


def power_of_two_ticks(low: float, high: float, units: list[tuple[int, str]],
                       max_ticks: int = 8) -> tuple[list[float], list[str]]:
    """Ticks for a log axis that covers low to high: powers of two, every k-th one (k divides 10, so 1 KiB, 1 MiB,
    1 GiB are among them; the smallest k with at most max_ticks ticks), from the last tick at or below low to the
    first at or above high, each written in the largest unit of `units` it reaches: "4K", "16 MiB", never plotly's
    "2 5 2 5". Whole numbers below 1024, so they read the same in every language. Set the axis range to the first
    and last tick, and both ends of the axis are labelled."""
    for step in (1, 2, 5, 10, 20, 50):
        first = math.floor(math.log2(low) / step) * step
        last = math.ceil(math.log2(high) / step) * step
        if (last - first) // step + 1 <= max_ticks:
            break
    values = [2.0 ** p for p in range(first, last + 1, step)]
    labels = []
    for v in values:
        size, unit = max(((s, u) for s, u in units if v >= s), default=units[0])
        labels.append(f"{round(v / size)}{unit}")
    return values, labels


def _log_range(ticks: list[float]) -> list[float]:
    return [math.log10(ticks[0]), math.log10(ticks[-1])]  # plotly's log axes take their range in powers of ten


TOKEN_UNITS = [(1, ""), (1024, "K"), (1024 ** 2, "M")]  # 4K tokens = 4,096, as context lengths are named
BYTE_UNITS = [(1, " B"), (1024, " KiB"), (1024 ** 2, " MiB"), (1024 ** 3, " GiB"), (1024 ** 4, " TiB"),
              (1024 ** 5, " PiB")]


@localized_figure
def memory_vs_context_figure(configs: dict[str, ModelConfig], batch: int, bytes_per_value: float, *,
                             lang: str = "en") -> go.Figure:
    """KV-cache GiB against context length, each model up to its own maximum context; log-log axes whose ticks are
    powers of two in units (tokens: 4K; memory: 16 MiB)."""
    fig = go.Figure()
    all_lengths, all_bytes = [], []
    for i, (name, cfg) in enumerate(configs.items()):
        lengths = context_lengths(cfg.max_seq_len)
        nbytes = [kv_cache_bytes(cfg, n, batch, bytes_per_value) for n in lengths]
        all_lengths += lengths
        all_bytes += nbytes
        hover = t("viz.kvcache.memory.hover", lang, model=name, n="%{x:,}", gib="%{y:.3g}")
        fig.add_trace(go.Scatter(x=lengths, y=[b / GIB for b in nbytes], mode="lines+markers",
                                 name=f"{name}, {attention_label(cfg, lang=lang)}", line_color=palette.category(i),
                                 hovertemplate=hover + "<extra></extra>"))
    fig.update_xaxes(type="log", title=t("viz.kvcache.memory.x", lang))
    fig.update_yaxes(type="log", title=t("viz.kvcache.memory.y", lang, batch=number(batch, ",", lang=lang)))
    if all_lengths:
        x_values, x_labels = power_of_two_ticks(min(all_lengths), max(all_lengths), TOKEN_UNITS)
        fig.update_xaxes(tickvals=x_values, ticktext=x_labels, range=_log_range(x_values))
        values, labels = power_of_two_ticks(min(all_bytes), max(all_bytes), BYTE_UNITS)
        y_values = [v / GIB for v in values]  # the traces are in GiB
        fig.update_yaxes(tickvals=y_values, ticktext=labels, range=_log_range(y_values))
    fig.update_layout(font=FONT, height=480, legend={"orientation": "h", "y": -0.22})
    return fig


# ---- timing ----------------------------------------------------------------------------------------------------
@localized_figure
def decode_timing_figure(with_cache: DecodeRun, without_cache: DecodeRun, *, lang: str = "en") -> go.Figure:
    """Top: ms per step against the sequence length at that step: the median of the step's tries, with a bar from
    the fastest to the slowest try (measured, noisy on a busy machine). Bottom: positions each step pushes through
    the model (exact): the prompt at step 0 in both cases, then 1 with the cache and all of them without."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.1,
                        subplot_titles=(t("viz.kvcache.timing.measured", lang), t("viz.kvcache.timing.exact", lang)))
    computed = t("viz.kvcache.timing.computed", lang, n="%{customdata[1]}")
    spread = t("viz.kvcache.timing.spread", lang, low="%{customdata[2]:.1f}", high="%{customdata[3]:.1f}")
    time_hover = "<br>".join([t("viz.kvcache.timing.step", lang, step="%{customdata[0]}", detail=computed),
                              t("viz.kvcache.timing.sequence", lang, n="%{x}", detail="%{y:.1f} ms"), spread])
    work = t("viz.kvcache.timing.multiply_adds", lang, n="%{customdata:,}")
    positions_hover = "<br>".join([t("viz.kvcache.timing.sequence", lang, n="%{x}",
                                     detail=t("viz.kvcache.timing.computed", lang, n="%{y}")), work])
    highest_median = 0.0
    for run, name, colour in ((without_cache, t("viz.kvcache.timing.without", lang), palette.VERMILLION),
                              (with_cache, t("viz.kvcache.timing.with", lang), palette.BLUE)):
        spreads = run.spreads
        medians = [s.median for s in spreads]
        highest_median = max([highest_median, *medians])
        fig.add_trace(go.Scatter(
            x=run.seq_len, y=medians, mode="lines+markers", name=name, line={"color": colour}, legendgroup=name,
            error_y={"type": "data", "symmetric": False, "array": [s.high - s.median for s in spreads],
                     "arrayminus": [s.median - s.low for s in spreads], "thickness": 1.5, "width": 4},
            customdata=[(k, n, s.low, s.high) for k, (n, s) in enumerate(zip(run.tokens_processed, spreads))],
            hovertemplate=time_hover + "<extra></extra>"), row=1, col=1)
        fig.add_trace(go.Scatter(
            x=run.seq_len, y=run.tokens_processed, mode="lines+markers", name=name, line={"color": colour},
            legendgroup=name, showlegend=False, customdata=run.multiply_adds,
            hovertemplate=positions_hover + "<extra></extra>"), row=2, col=1)
    fig.update_xaxes(title=t("viz.kvcache.timing.x", lang), row=2, col=1)
    # The axis follows the medians: a try slowed down by other work may run off the top (its hover still says).
    fig.update_yaxes(title=t("viz.kvcache.timing.ms", lang, tries=max(map(len, without_cache.tries_ms), default=1)),
                     range=[0, 1.5 * highest_median or 1], row=1, col=1)
    fig.update_yaxes(title=t("viz.kvcache.timing.positions", lang), rangemode="tozero", row=2, col=1)
    fig.update_layout(font=FONT, height=560, legend={"orientation": "h", "y": -0.18})
    return fig


def decode_work_rows(with_cache: DecodeRun, without_cache: DecodeRun, *, lang: str = "en") -> list[dict]:
    """One row per path, for its last step: what it computed (exact) and what one generated token took (measured:
    the median over the decode steps; the figure shows their spread). Keys: llama_edu/strings/columns.yaml."""
    rows = []
    for run, name in ((with_cache, t("viz.kvcache.work.with", lang)),
                      (without_cache, t("viz.kvcache.work.without", lang))):
        rows.append({"decode_path": name, "positions_per_step": run.tokens_processed[-1],
                     "million_multiply_adds": run.multiply_adds[-1] / 1e6, "median_ms": run.per_token().median})
    return rows


def cache_growth_rows(run: DecodeRun) -> list[dict]:
    """One row per step of a run with the cache: the filled part of layer 0's keys, and the bytes in use."""
    return [{"step": k, "cache_keys_shape": str(list(shape)), "cache_nbytes": nbytes}
            for k, (shape, nbytes) in enumerate(zip(run.cache_shapes, run.cache_bytes))]
