"""Attention figures: masks, patterns as heatmaps, one head's steps, the attention sink, an ablation, and GQA's
sharing.

Every function takes tensors of one sequence (batch index already taken; any dtype or device) and returns a
plotly figure. Heatmaps put queries on rows (top to bottom) and keys on columns, like hook_pattern [H, T, S].
Cells in a query's future are drawn as a grey crossed cell, not as a 0: the mask removed them, no weight was
computed there.
"""

from __future__ import annotations

import copy
import functools
import math

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..architectures import attention_masks
from ..i18n import t
from ..papers import GQA_TABLE_1  # Ainslie et al. (2023), Table 1, kept with its source
from . import palette, summary
from .labels import localized_figure, number, plotly_text, token_labels  # noqa: F401 - pages use them through this module

FONT = dict(size=15)  # readable on a classroom projector
MASKED_GREY = "rgba(150, 150, 150, 0.6)"  # visible on both light and dark backgrounds
ALLOWED_BLUE = palette.BLUE  # a cell the mask lets through (adds 0 to the score)
GROUP_COLORS = palette.CATEGORIES  # one per KV head: its query heads, its box in the similarity map
WEIGHTS = palette.colorscale(palette.SEQUENTIAL)  # attention weights, 0 to 1
SIGNED = palette.colorscale(palette.DIVERGING, reverse=True)  # scores and keys around 0: blue below, red above
MAX_CROSSES = 24  # beyond this many tokens a cross per masked cell is just noise: grey alone marks them
MAX_CELL_NUMBERS = 16  # up to this many tokens a weight with two decimals fits in its cell, so it is written there


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().cpu().numpy()


def future_cells(n_queries: int, n_keys: int) -> np.ndarray:
    """True where key j lies in query i's future (j > i + past), i.e. where the causal mask put -inf.  [T, S]"""
    past = n_keys - n_queries
    return np.triu(np.ones((n_queries, n_keys), dtype=bool), k=past + 1)


def _cell_hover(detail: str, lang: str) -> str:
    """Hover text of one (query, key) cell: the two tokens, then what the cell holds."""
    return t("viz.attention.hover.cell", lang, query="%{y}", key="%{x}", detail=detail) + "<extra></extra>"


def _masked_trace(future: np.ndarray, labels: list[str], lang: str = "en", **axes) -> go.Heatmap:
    """Grey cells (crossed when few) where the mask forbids attention; drawn under the values' trace."""
    n = future.shape[0]
    crosses = dict(text=np.where(future, "×", ""), texttemplate="%{text}", textfont=dict(color="#444")) \
        if n <= MAX_CROSSES else {}
    return go.Heatmap(z=np.where(future, 1.0, np.nan), x=labels, y=labels[:n], showscale=False,
                      colorscale=[[0, MASKED_GREY], [1, MASKED_GREY]], hoverongaps=False,
                      hovertemplate=_cell_hover(t("viz.attention.hover.future", lang), lang), **crosses, **axes)


def _values_trace(values: np.ndarray, future: np.ndarray, labels: list[str], what: str, lang: str = "en",
                  **kw) -> go.Heatmap:
    """The allowed cells' values; masked cells are left empty (NaN) so the grey trace shows through."""
    if "coloraxis" not in kw:
        kw.setdefault("colorscale", WEIGHTS)
    return go.Heatmap(z=np.where(future, np.nan, values), x=labels, y=labels[:values.shape[0]], hoverongaps=False,
                      hovertemplate=_cell_hover(f"{what} %{{z:.3f}}", lang), **kw)


def _cell_numbers(values: np.ndarray, future: np.ndarray, lang: str = "en", size: int | None = None) -> dict:
    """Text arguments for _values_trace: each allowed cell's value with two decimals, written the language's way
    (0.25, German 0,25); masked cells stay empty. Plotly picks black or white per cell for contrast."""
    text = np.array([[number(float(v), ".2f", lang=lang) for v in row] for row in values], dtype=object)
    text[future] = ""
    return {"text": text, "texttemplate": "%{text}", **({"textfont": {"size": size}} if size else {})}


def _category_axis_settings(labels: list[str], show_labels: bool, n: int, hide_x: tuple[int, ...] = (),
                            hide_y: tuple[int, ...] = ()) -> dict[str, dict]:
    """Layout settings of subplot n's axes (numbered row by row from 1, as make_subplots numbers them): token
    categories in prompt order, queries top to bottom; tick labels left off for the subplots in hide_x/hide_y."""
    suffix = "" if n == 1 else str(n)
    return {f"xaxis{suffix}": dict(type="category", categoryorder="array", categoryarray=labels,
                                   showticklabels=show_labels and n not in hide_x, tickangle=-45),
            f"yaxis{suffix}": dict(type="category", categoryorder="array", categoryarray=labels, autorange="reversed",
                                   showticklabels=show_labels and n not in hide_y)}


def _category_axes(fig: go.Figure, labels: list[str], show_labels: bool = True) -> None:
    """Token categories on every axis pair the traces use, in one update_layout call: update_xaxes/update_yaxes
    scan every subplot's axes and cost ~15 ms each on four panels."""
    layout = {}
    for n in sorted({int((trace.xaxis or "x")[1:] or 1) for trace in fig.data}):
        layout.update(_category_axis_settings(labels, show_labels, n))
    fig.update_layout(layout)


@functools.cache
def _grid_template(rows: int, cols: int, horizontal_spacing: float, vertical_spacing: float) -> dict:
    """make_subplots' layout of a grid (each subplot's axes, domains and anchors; one title annotation each), made
    once: building it takes ~25 ms, a copy ~0.1 ms."""
    return make_subplots(rows=rows, cols=cols, subplot_titles=["?"] * (rows * cols), horizontal_spacing=horizontal_spacing,
                         vertical_spacing=vertical_spacing).to_dict()["layout"]


def _grid_layout(rows: int, cols: int, titles: list[str], **spacing) -> dict:
    """A fresh copy of _grid_template's layout with these subplot titles (row by row), for go.Figure(layout=...)."""
    layout = copy.deepcopy(_grid_template(rows, cols, spacing["horizontal_spacing"], spacing["vertical_spacing"]))
    for annotation, title in zip(layout["annotations"], titles):
        annotation["text"] = title
    return layout


def _grid_axes(n: int) -> dict:
    """A trace's axis references for subplot n of a grid (row by row from 1)."""
    suffix = "" if n == 1 else str(n)
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


# ---- masks ----------------------------------------------------------------------------------------------------
def encoder_decoder_parts(n_tokens: int, *, lang: str = "en") -> np.ndarray:
    """Which attention each cell of llama_edu.architectures.attention_masks(T)["encoder-decoder"] belongs to.
    [2T, 2T] of str"""
    T = n_tokens
    parts = np.empty((2 * T, 2 * T), dtype=object)
    parts[:T, :T] = t("viz.attention.part.encoder_self", lang)
    parts[:T, T:] = t("viz.attention.part.none", lang)
    parts[T:, :T] = t("viz.attention.part.cross", lang)
    parts[T:, T:] = t("viz.attention.part.decoder_self", lang)
    return parts


def _mask_trace(mask: np.ndarray, x: list[str], y: list[str], parts: np.ndarray | None = None, lang: str = "en",
                **axes) -> go.Heatmap:
    """An additive mask as two colours, with "0" / "−∞" written in the cells while they fit."""
    allowed = np.isfinite(mask)
    meaning = np.where(allowed, t("viz.attention.mask.allowed", lang), t("viz.attention.mask.masked", lang))
    if parts is not None:
        meaning = np.char.add(np.char.add(parts.astype(str), "<br>"), meaning)
    text = dict(text=np.where(allowed, "0", "−∞"), texttemplate="%{text}") if len(x) <= MAX_CROSSES else {}
    return go.Heatmap(z=allowed.astype(int), x=x, y=y, zmin=0, zmax=1, showscale=False, customdata=meaning,
                      colorscale=[[0, MASKED_GREY], [0.5, MASKED_GREY], [0.5, ALLOWED_BLUE], [1, ALLOWED_BLUE]],
                      hovertemplate=_cell_hover("%{customdata}", lang), **text, **axes)


def _token_map_layout(labels: list[str], lang: str, **more) -> dict:
    """The layout of one token x token map: token categories on both axes, keys (columns: the tokens looked at) and
    queries (rows: the tokens looking), a side that grows with the tokens shown. For go.Figure(layout=...): one
    validated pass, instead of three update calls that each cost a few ms."""
    layout = _category_axis_settings(labels, True, 1)
    layout["xaxis"]["title"] = t("viz.axis.key_token", lang)
    layout["yaxis"]["title"] = t("viz.axis.query_token", lang)
    return {**layout, "font": FONT, "height": 200 + 28 * min(len(labels), 24), **more}


@localized_figure
def causal_mask_figure(mask: torch.Tensor, labels: list[str], *, lang: str = "en") -> go.Figure:
    """The causal mask M [T, T] that attention adds to the scores, with token labels: 0 allowed, −∞ future."""
    m = _numpy(mask)
    fig = go.Figure(_mask_trace(m, labels, labels[:m.shape[0]], lang=lang),
                    layout=_token_map_layout(labels, lang, title=t("viz.attention.causal_mask.title", lang)))
    return summary.with_summary(fig, summary.causal_mask_sentence(m, lang=lang))


@localized_figure
def mask_comparison_figure(labels: list[str], *, lang: str = "en") -> go.Figure:
    """Decoder-only (causal), encoder-only (bidirectional) and encoder-decoder (T5) masks on the same tokens."""
    T = len(labels)
    masks = attention_masks(T)
    titles = [t(f"viz.attention.masks.{name}", lang) for name in ("decoder_only", "encoder_only", "encoder_decoder")]
    fig = make_subplots(rows=1, cols=3, column_widths=[1, 1, 2], horizontal_spacing=0.09, subplot_titles=titles)
    fig.add_trace(_mask_trace(_numpy(masks["decoder-only"]), labels, labels, lang=lang), 1, 1)
    fig.add_trace(_mask_trace(_numpy(masks["encoder-only"]), labels, labels, lang=lang), 1, 2)
    # Unique categories for the doubled sequence: the same tokens once as encoder input, once as decoder input.
    # "enc"/"dec" stay as they are: they belong to the token labels, and German uses the same abbreviations.
    both = [f"enc {label}" for label in labels] + [f"dec {label}" for label in labels]
    fig.add_trace(_mask_trace(_numpy(masks["encoder-decoder"]), both, both, encoder_decoder_parts(T, lang=lang),
                              lang=lang), 1, 3)
    show = T <= 16
    for col, names in [(1, labels), (2, labels), (3, both)]:
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=names, showticklabels=show,
                         tickangle=-45, row=1, col=col)
        fig.update_yaxes(type="category", categoryorder="array", categoryarray=names, autorange="reversed",
                         showticklabels=show, row=1, col=col)
    # Lines between the encoder's and the decoder's positions in the T5 panel (category i sits at x = i).
    border = dict(type="line", xref="x3", yref="y3", line=dict(width=3, color="#888"))
    fig.add_shape(**border, x0=T - 0.5, x1=T - 0.5, y0=-0.5, y1=2 * T - 0.5)
    fig.add_shape(**border, x0=-0.5, x1=2 * T - 0.5, y0=T - 0.5, y1=T - 0.5)
    fig.update_xaxes(title=t("viz.axis.key", lang), row=1)
    fig.update_yaxes(title=t("viz.axis.query", lang), col=1)
    fig.update_layout(font=FONT, height=260 + 22 * min(2 * T, 32), margin=dict(t=110),
                      title=t("viz.attention.masks.title", lang))
    return summary.with_summary(fig, summary.mask_comparison_sentence(masks, lang=lang))


# ---- patterns ---------------------------------------------------------------------------------------------------
@localized_figure
def pattern_heatmap(pattern: torch.Tensor, labels: list[str], title: str = "", *, layer: int | None = None,
                    head: int | None = None, lang: str = "en") -> go.Figure:
    """One head's pattern [T, S] with token labels on both axes and the future greyed out. The caller's title
    is shown as given (it names the layer and head, in the caller's language); layer and head, when given, name the
    head in the figure's summary sentence too ("Layer 3, head 0 mostly looks at the previous token")."""
    z = _numpy(pattern)
    future = future_cells(*z.shape)
    weight = t("viz.label.weight", lang)
    numbers = _cell_numbers(z, future, lang) if len(labels) <= MAX_CELL_NUMBERS else {}
    fig = go.Figure([_masked_trace(future, labels, lang),
                     _values_trace(z, future, labels, weight, lang, zmin=0, zmax=1, colorbar=dict(title=weight),
                                   **numbers)],
                    layout=_token_map_layout(labels, lang, title=title))
    return summary.with_summary(fig, summary.head_sentence(z, labels, layer=layer, head=head, lang=lang))


@localized_figure
def heads_grid(pattern: torch.Tensor, labels: list[str], n_kv_heads: int, cols: int | None = None,
               title: str = "", *, first_head: int = 0, lang: str = "en") -> go.Figure:
    """Heads of a layer [H, T, S] as small multiples on one colour scale (0 to 1), titled with their KV head.
    n_kv_heads: the KV heads among these H heads; first_head: the number of the first (a block of a larger layer's
    heads, whole KV groups)."""
    z = _numpy(pattern)
    H, T, S = z.shape
    cols = max(1, min(cols or 4, H, 8))
    rows = math.ceil(H / cols)
    n_rep = H // n_kv_heads
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.03,
                        vertical_spacing=min(0.08, 0.5 / (rows - 1)) if rows > 1 else 0.1,
                        subplot_titles=[t("viz.attention.heads_grid.subplot", lang, head=first_head + h,
                                          group=(first_head + h) // n_rep) for h in range(H)])
    future = future_cells(T, S)
    traces, rows_of, cols_of = [], [], []
    # No numbers in the small multiples: at the 14 px a projector needs, "0.00" is wider than a cell of eight heads
    # side by side; the one-head heatmap above them carries the numbers, and hovering here shows each weight.
    for h in range(H):
        traces += [_masked_trace(future, labels, lang),
                   _values_trace(z[h], future, labels, t("viz.attention.head_weight", lang, head=h), lang,
                                 coloraxis="coloraxis")]
        rows_of += [h // cols + 1] * 2
        cols_of += [h % cols + 1] * 2
    fig.add_traces(traces, rows=rows_of, cols=cols_of)  # one call: per-trace add_trace re-validates the layout
    # Token labels only along the left column and the bottom row, and only while they fit. make_subplots numbers
    # the axes row by row (xaxis, xaxis2, ...), so head h's axes are number h + 1; one update_layout call is much
    # cheaper than 2H update_xaxes/update_yaxes calls that each scan every axis.
    _category_axes(fig, labels, show_labels=False)
    if T <= 12:
        ticks = {}
        for h in range(H):
            n = "" if h == 0 else str(h + 1)
            ticks[f"yaxis{n}.showticklabels"] = h % cols == 0
            ticks[f"xaxis{n}.showticklabels"] = h + cols >= H
        fig.update_layout(ticks)
    fig.update_layout(title=plotly_text(title), font=FONT, height=120 + rows * (160 if cols > 2 else 320),
                      coloraxis=dict(colorscale=WEIGHTS, cmin=0, cmax=1,
                                     colorbar=dict(title=t("viz.label.weight", lang))),
                      margin=dict(t=90))
    return summary.with_summary(fig, summary.heads_sentence(z, first_head=first_head, lang=lang))


@localized_figure
def steps_figure(steps: dict[str, torch.Tensor], labels: list[str], head_dim: int, *, lang: str = "en") -> go.Figure:
    """The four steps of attention_steps() side by side: q·k, / sqrt(hd), + mask, softmax.   each [T, S]"""
    T, S = steps["scores"].shape
    future = future_cells(T, S)
    none = np.zeros((T, S), dtype=bool)
    # Step 2 is only symbols and a number: nothing to translate, but the number is written the language's way.
    scale = f"2. ÷ √{head_dim} = {number(math.sqrt(head_dim), '.2f', lang=lang)}"
    panels = [("scores", t("viz.attention.steps.scores", lang), none, "q·k", "coloraxis"),
              ("scaled", scale, none, "q·k/√hd", "coloraxis2"),
              ("masked", t("viz.attention.steps.masked", lang), future, t("viz.label.score", lang), "coloraxis2"),
              ("pattern", t("viz.attention.steps.pattern", lang), future, t("viz.label.weight", lang), "coloraxis3")]
    titles = []
    for key, name, _, _, _ in panels:
        finite = _numpy(steps[key])[~(future if key in ("masked", "pattern") else none)]
        value_range = t("viz.attention.steps.range", lang, low=number(finite.min(), ".2f", lang=lang),
                        high=number(finite.max(), ".2f", lang=lang))
        titles.append(f"{name}<br><sub>{value_range}</sub>")
    # Four panels side by side in pairs: numbers only while a score such as -12.34 fits its cell at 14 px (the least
    # a projector's back row reads; readable() raises smaller type to it), half as many tokens as one heatmap holds.
    numbers = T <= MAX_CELL_NUMBERS // 2
    traces = []
    for i, (key, _, mask, what, axis) in enumerate(panels):
        values = _numpy(steps[key])
        on = _grid_axes(i + 1)
        if mask.any():
            traces.append(_masked_trace(mask, labels, lang, **on))
        traces.append(_values_trace(values, mask, labels, what, lang, coloraxis=axis, **on,
                                    **(_cell_numbers(values, mask, lang) if numbers else {})))
    layout = _grid_layout(2, 2, titles, horizontal_spacing=0.06, vertical_spacing=0.12)
    # Token labels on the outer edges only: the four panels share their rows (queries) and columns (keys).
    for n in range(1, 5):
        for name, settings in _category_axis_settings(labels, T <= 16, n, hide_x=(1, 2), hide_y=(2, 4)).items():
            layout[name].update(settings)
    diverging = dict(colorscale=SIGNED, cmid=0, showscale=False)
    layout.update(font=FONT, height=260 + 2 * (18 * min(T, 24) + 120), margin=dict(t=110),
                  coloraxis=diverging, coloraxis2=diverging,
                  coloraxis3=dict(colorscale=WEIGHTS, cmin=0, cmax=1, showscale=False))
    return go.Figure(data=traces, layout=layout)  # validated once, in one pass


# ---- the attention sink -----------------------------------------------------------------------------------------
@localized_figure
def first_token_heatmap(share: torch.Tensor, uniform: float, *, lang: str = "en") -> go.Figure:
    """Layer x head map of the share of attention on position 0.   share [n_layers, H], values in 0..1"""
    z = _numpy(share)
    L, H = z.shape
    hover = t("viz.attention.sink.hover", lang, layer="%{y}", head="%{x}", share="%{z:.1%}")
    fig = go.Figure(go.Heatmap(z=z, x=[t("viz.label.head", lang, head=h) for h in range(H)],
                               y=[t("viz.label.layer", lang, layer=i) for i in range(L)],
                               zmin=0, zmax=1, colorscale=WEIGHTS,
                               colorbar=dict(title=t("viz.attention.sink.colorbar", lang)),
                               text=np.round(z * 100).astype(int), texttemplate="%{text}%" if L * H <= 128 else None,
                               hovertemplate=hover + "<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    fig.update_layout(font=FONT, height=max(320, 160 + 40 * L),
                      title=t("viz.attention.sink.title", lang, uniform=number(uniform, ".0%", lang=lang)))
    return summary.with_summary(fig, summary.sink_sentence(z, lang=lang))


# ---- ablation -----------------------------------------------------------------------------------------------------
@localized_figure
def ablation_bars(token_texts: list[str], before: list[float], after: list[float], title: str = "", *,
                  lang: str = "en") -> go.Figure:
    """Next-token probabilities before and after an ablation, as side-by-side horizontal bars per token."""
    change = [a - b for a, b in zip(after, before)]
    token_texts = [plotly_text(text) for text in token_texts]
    hover = t("viz.attention.ablation.hover", lang, token="%{y}", p="%{x:.1%}", change="%{customdata:+.1%}") \
        + "<extra>%{fullData.name}</extra>"
    fig = go.Figure([
        go.Bar(y=token_texts, x=before, name=t("viz.attention.ablation.before", lang), orientation="h",
               marker_color=palette.GREY,
               customdata=change, hovertemplate=hover, text=[number(p, ".1%", lang=lang) for p in before], textposition="outside"),
        go.Bar(y=token_texts, x=after, name=t("viz.attention.ablation.after", lang), orientation="h",
               marker_color=palette.HIGHLIGHT,
               customdata=change, hovertemplate=hover,
               text=[f"{number(p, '.1%', lang=lang)} ({number(d, '+.1%', lang=lang)})" for p, d in zip(after, change)],
               textposition="outside"),
    ])
    fig.update_yaxes(type="category", autorange="reversed", title=t("viz.axis.next_token", lang))
    top = max(before + after + [0.01])
    fig.update_xaxes(tickformat=".0%", range=[0, min(1.0, top * 1.35)], title=t("viz.axis.probability", lang))
    fig.update_layout(barmode="group", font=FONT, title=title, height=160 + 44 * len(token_texts),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    return summary.with_summary(fig, summary.ablation_sentence(token_texts, before, after, lang=lang))


# ---- grouped-query attention -------------------------------------------------------------------------------------
@localized_figure
def gqa_diagram(n_heads: int, variants: dict[str, int], *, lang: str = "en") -> go.Figure:
    """Query heads (top row) joined to the KV head they read (bottom row), one panel per {title: n_kv_heads}.
    The panel titles are the caller's keys, shown as given."""
    fig = make_subplots(rows=len(variants), cols=1, subplot_titles=list(variants), vertical_spacing=0.12)
    label = n_heads <= 32
    for row, n_kv in enumerate(variants.values(), start=1):
        n_rep = n_heads // n_kv
        kv_x = [g * n_rep + (n_rep - 1) / 2 for g in range(n_kv)]  # each KV head under the middle of its group
        for h in range(n_heads):
            g = h // n_rep
            fig.add_trace(go.Scatter(x=[h, kv_x[g]], y=[1, 0], mode="lines", hoverinfo="skip", showlegend=False,
                                     line=dict(color=GROUP_COLORS[g % len(GROUP_COLORS)], width=2)), row, 1)
        colors = [GROUP_COLORS[(h // n_rep) % len(GROUP_COLORS)] for h in range(n_heads)]
        fig.add_trace(go.Scatter(x=list(range(n_heads)), y=[1] * n_heads, mode="markers+text" if label else "markers",
                                 marker=dict(symbol="square", size=24 if label else 8, color=colors),
                                 text=[f"q{h}" for h in range(n_heads)], textposition="top center",
                                 customdata=[h // n_rep for h in range(n_heads)], showlegend=False,
                                 hovertemplate=t("viz.attention.gqa.query_hover", lang, head="%{x}",
                                                 group="%{customdata}") + "<extra></extra>"),
                      row, 1)
        fig.add_trace(go.Scatter(x=kv_x, y=[0] * n_kv, mode="markers+text" if label else "markers",
                                 marker=dict(symbol="diamond", size=28 if label else 10,
                                             color=[GROUP_COLORS[g % len(GROUP_COLORS)] for g in range(n_kv)]),
                                 text=[f"k,v {g}" for g in range(n_kv)], textposition="bottom center",
                                 customdata=[n_rep] * n_kv, showlegend=False,
                                 hovertemplate=t("viz.attention.gqa.kv_hover", lang, group="%{pointNumber}",
                                                 n="%{customdata}") + "<extra></extra>"), row, 1)
    fig.update_xaxes(visible=False, range=[-1, n_heads])
    fig.update_yaxes(visible=False, range=[-0.7, 1.7])
    fig.update_layout(font=FONT, height=60 + 210 * len(variants), margin=dict(t=60))
    return summary.with_summary(fig, summary.sharing_sentence(n_heads, variants, lang=lang))


@localized_figure
def keys_heatmaps(k_rot: torch.Tensor, labels: list[str], *, first_group: int = 0, lang: str = "en") -> go.Figure:
    """The key vectors each KV head stores, token by token.   k_rot [T, Hkv, hd] -> one panel per KV head
    (first_group: the number of the first, when these are a block of a larger layer's)."""
    k = _numpy(k_rot)
    T, n_kv, hd = k.shape
    cols = min(n_kv, 4)
    rows = math.ceil(n_kv / cols)
    titles = [t("viz.label.kv_head", lang, group=first_group + g) for g in range(n_kv)]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.04, vertical_spacing=0.1)
    bound = float(np.abs(k).max()) or 1.0
    hover = "<br>".join(["%{y}", t("viz.hover.dimension", lang, dim="%{x}"), "k = %{z:.3f}"]) + "<extra></extra>"
    for g in range(n_kv):
        fig.add_trace(go.Heatmap(z=k[:, g], y=labels, x=list(range(hd)), coloraxis="coloraxis", hovertemplate=hover),
                      g // cols + 1, g % cols + 1)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels, autorange="reversed",
                     showticklabels=False)
    fig.update_yaxes(showticklabels=T <= 24, col=1)  # the panels share their rows: label the first column only
    fig.update_xaxes(title=t("viz.attention.keys.x", lang))
    fig.update_layout(font=FONT, height=140 + rows * (20 * min(T, 24) + 80),
                      coloraxis=dict(colorscale=SIGNED, cmin=-bound, cmax=bound, colorbar=dict(title="k")))
    return fig


@localized_figure
def similarity_heatmap(similarity: torch.Tensor, n_kv_heads: int, title: str | None = None, zmin: float = 0.0, *,
                       lang: str = "en") -> go.Figure:
    """Head-by-head similarity [H, H], with a box around each group of heads that share a KV head. Unless told
    otherwise, of patterns (interventions.pattern_similarity, 0 to 1); the caller's title says what else, e.g. the
    heads' outputs (interventions.output_similarity, a cosine: zmin=-1)."""
    z = _numpy(similarity)
    H = z.shape[0]
    n_rep = H // n_kv_heads
    names = [t("viz.label.head", lang, head=h) for h in range(H)]
    similar = t("viz.label.similarity", lang)
    hover = t("viz.hover.versus", lang, a="%{y}", b="%{x}") + f"<br>{similar} %{{z:.2f}}<extra></extra>"
    # A share of the same pattern runs 0 to 1 (sequential); a cosine runs -1 to 1 (diverging, 0 in the middle).
    scale = dict(colorscale=WEIGHTS) if zmin >= 0 else dict(colorscale=SIGNED, zmid=0)
    fig = go.Figure(go.Heatmap(z=z, x=names, y=names, zmin=zmin, zmax=1, colorbar=dict(title=similar),
                               hovertemplate=hover, **scale))
    for g in range(n_kv_heads):
        lo, hi = g * n_rep - 0.5, (g + 1) * n_rep - 0.5
        fig.add_shape(type="rect", x0=lo, x1=hi, y0=lo, y1=hi,
                      line=dict(width=3, color=GROUP_COLORS[g % len(GROUP_COLORS)]))
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(font=FONT, height=220 + 30 * min(H, 32),
                      title=t("viz.attention.similarity.title", lang) if title is None else plotly_text(title))
    return fig


@localized_figure
def gqa_quality_figure(table: list[dict] = GQA_TABLE_1, *, lang: str = "en") -> go.Figure:
    """Quality against inference time, one point per model (the paper's Figure 3 as a scatter)."""
    hover = t("viz.attention.quality.hover", lang, model="%{text}", seconds="%{x:.2f}", score="%{y:.1f}")
    fig = go.Figure(go.Scatter(
        x=[r["inference time (s)"] for r in table], y=[r["average score"] for r in table], mode="markers+text",
        text=[r["model"] for r in table], textposition="top center", marker=dict(size=16, color=palette.BLUE),
        hovertemplate=hover + "<extra></extra>"))
    fig.update_xaxes(title=t("viz.attention.quality.x", lang), range=[0, 1.7])
    fig.update_yaxes(title=t("viz.attention.quality.y", lang), range=[45.7, 47.6])
    fig.update_layout(font=FONT, height=380, title=t("viz.attention.quality.title", lang))
    return fig


@localized_figure
def kv_cache_figure(rows: list[dict], seq_len: int = 4096, *, lang: str = "en") -> go.Figure:
    """llama_edu.kvcache.kv_cache_rows as grouped bars: the cache with one KV head per query head, and as the model
    is built.
    (The rows' keys are data, read here by name, so they stay English whatever the language.)"""
    names = [r["model"] for r in rows]
    hover = "%{x}<br>%{y:.2f} GiB<extra>%{fullData.name}</extra>"
    fig = go.Figure([
        go.Bar(x=names, y=[r["as_mha_gib"] for r in rows], name=t("viz.attention.kv_cache.as_mha", lang),
               marker_color=palette.GREY, hovertemplate=hover, texttemplate="%{y:.2f}", textposition="outside"),
        go.Bar(x=names, y=[r["as_configured_gib"] for r in rows], name=t("viz.attention.kv_cache.actual", lang),
               marker_color=palette.BLUE, hovertemplate=hover, texttemplate="%{y:.2f}", textposition="outside"),
    ])
    fig.update_yaxes(title=t("viz.attention.kv_cache.y", lang))
    fig.update_layout(barmode="group", font=FONT, height=440, legend=dict(orientation="h", y=1.02, yanchor="bottom"),
                      title=t("viz.attention.kv_cache.title", lang, n=number(seq_len, ",", lang=lang)))
    return fig
