"""Figures of two prompts side by side and of activation patching (llama_edu/patching.py).

Pure functions: tensors and numbers in, plotly figures out; the model never runs here. Colours come only from
palette.py: viridis for magnitudes (attention weights, how far the residual stream moved), ColorBrewer's RdBu for
signed values around zero (differences of attention, what a patch restored: blue = the clean run's way, red = the
other way), Okabe-Ito categories for the two runs' bars. Layer maps put layer 0 at the top, like the attention page.
"""

from __future__ import annotations

import numpy as np
import plotly.colors as pc
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..i18n import t
from . import palette
from .labels import localized_figure, plotly_text

FONT = dict(size=15)  # readable on a classroom projector
# Cells a figure cannot fill (a query's future, a patch left unrun) are drawn in a light grey, under the values.
EMPTY_GREY = "rgba({}, {}, {}, 0.3)".format(*pc.hex_to_rgb(palette.GREY))
MAX_CELL_TEXT = 120  # write each cell's value while a map has at most this many cells; beyond, hover only
MAX_TOKEN_TEXT = 12  # ... and while a token map has at most this many tokens a side


def _numpy(x: torch.Tensor) -> np.ndarray:
    return x.detach().float().cpu().numpy()


def layer_names(n: int, *, with_embedding: bool = False, lang: str = "en") -> list[str]:
    """Row labels: "layer 0", ... or, for the residual stream, "embedding", "after layer 0", ..."""
    if with_embedding:
        return [t("compare.fig.embedding", lang)] + [t("compare.fig.after_layer", lang, layer=i) for i in range(n - 1)]
    return [t("compare.fig.layer", lang, layer=i) for i in range(n)]


def _rows_height(n_rows: int, base: int = 170) -> int:
    """Taller for more rows, but a 32-layer map still fits a 720-pixel screen with its title."""
    return base + int(n_rows * min(40, 560 / max(n_rows, 1)))


# ---- the two runs ----------------------------------------------------------------------------------------------
@localized_figure
def next_token_figure(names: list[str], clean: list[float], corrupt: list[float], *, lang: str = "en") -> go.Figure:
    """The next-token probabilities of both runs, token by token (most likely in the clean run first), as grouped
    horizontal bars. names: the tokens as text (escaped here)."""
    names = [plotly_text(name) for name in names]
    hover = t("compare.fig.next_hover", lang, token="%{y}", p="%{x:.1%}") + "<extra>%{fullData.name}</extra>"
    fig = go.Figure([
        go.Bar(y=names, x=clean, name=t("compare.fig.clean", lang), orientation="h", hovertemplate=hover,
               marker_color=palette.category(0), texttemplate="%{x:.1%}", textposition="outside"),
        go.Bar(y=names, x=corrupt, name=t("compare.fig.corrupt", lang), orientation="h", hovertemplate=hover,
               marker_color=palette.category(1), texttemplate="%{x:.1%}", textposition="outside"),
    ])
    top = max(list(clean) + list(corrupt) + [0.01])
    fig.update_yaxes(type="category", autorange="reversed", title=t("compare.fig.next_token", lang))
    fig.update_xaxes(tickformat=".0%", range=[0, min(1.0, top * 1.35)], title=t("compare.fig.probability", lang))
    fig.update_layout(barmode="group", font=FONT, height=170 + 40 * len(names), title=t("compare.fig.next_title", lang),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    return fig


@localized_figure
def residual_difference_figure(relative: torch.Tensor, labels: list[str], *, lang: str = "en") -> go.Figure:
    """How far the corrupted run's residual stream is from the clean run's, |clean - corrupted| / |clean|, after the
    embedding and after each layer (rows), at each position (columns).   relative [L + 1, T]; labels: the
    positions, both prompts' tokens (e.g. "2:▁cat→▁dog"), escaped for plotly already."""
    z = _numpy(relative)
    rows = layer_names(z.shape[0], with_embedding=True, lang=lang)
    text = dict(texttemplate="%{z:.2f}") if z.size <= MAX_CELL_TEXT and z.shape[1] <= MAX_TOKEN_TEXT else {}
    what = t("compare.fig.relative", lang)
    hover = t("compare.fig.cell_hover", lang, row="%{y}", column="%{x}", what=what, value="%{z:.3f}")
    fig = go.Figure(go.Heatmap(z=z, x=labels, y=rows, zmin=0, zmax=max(float(np.nanmax(z)), 1e-6),
                               colorscale=palette.colorscale(palette.SEQUENTIAL), colorbar=dict(title=what),
                               hovertemplate=hover + "<extra></extra>", **text))
    fig.update_xaxes(type="category", tickangle=-45, title=t("compare.fig.position", lang))
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_layout(font=FONT, height=_rows_height(len(rows)), title=t("compare.fig.residual_title", lang))
    return fig


@localized_figure
def last_position_figure(relative: torch.Tensor, *, lang: str = "en") -> go.Figure:
    """The same measure at the last position only, layer by layer: for prompts whose lengths differ, where only the
    last positions (the ones that predict) line up.   relative [L + 1]"""
    y = _numpy(relative)
    rows = layer_names(len(y), with_embedding=True, lang=lang)
    what = t("compare.fig.relative", lang)
    fig = go.Figure(go.Scatter(x=rows, y=y, mode="lines+markers", line=dict(color=palette.category(0), width=3),
                               hovertemplate="%{x}: %{y:.3f}<extra></extra>"))
    fig.update_xaxes(type="category", tickangle=-45)
    fig.update_yaxes(rangemode="tozero", title=what)
    fig.update_layout(font=FONT, height=380, title=t("compare.fig.last_title", lang))
    return fig


def _future(n: int) -> np.ndarray:
    return np.triu(np.ones((n, n), dtype=bool), k=1)


def _empty_cells(empty: np.ndarray, x: list[str], y: list[str], hover: str) -> go.Heatmap:
    """Grey cells where `empty` is True, drawn under the values' trace (whose NaN cells let them show)."""
    return go.Heatmap(z=np.where(empty, 1.0, np.nan), x=x, y=y, showscale=False, hoverongaps=False,
                      colorscale=[[0, EMPTY_GREY], [1, EMPTY_GREY]], hovertemplate=hover + "<extra></extra>")


def _pattern_trace(z: np.ndarray, labels: list[str], what: str, lang: str, **kw) -> go.Heatmap:
    hover = t("compare.fig.pattern_hover", lang, query="%{y}", key="%{x}", what=what, value="%{z:.3f}")
    return go.Heatmap(z=np.where(_future(z.shape[0]), np.nan, z), x=labels, y=labels, hoverongaps=False,
                      hovertemplate=hover + "<extra></extra>", **kw)


@localized_figure
def attention_pair_figure(clean: torch.Tensor, corrupt: torch.Tensor, clean_labels: list[str],
                          corrupt_labels: list[str], title: str = "", *, lang: str = "en") -> go.Figure:
    """One head's pattern in both runs, and, where both have the same number of tokens, their difference clean -
    corrupted (blue: the clean run looks there more; red: the corrupted run does).   clean [T, T], corrupt [S, S];
    queries on rows, keys on columns, the future left empty. The caller's title names the layer and head."""
    a, b = _numpy(clean), _numpy(corrupt)
    same = a.shape == b.shape
    titles = [t("compare.fig.clean", lang), t("compare.fig.corrupt", lang)]
    if same:
        titles.append(t("compare.fig.difference", lang))
    fig = make_subplots(rows=1, cols=len(titles), horizontal_spacing=0.08, subplot_titles=titles)
    weight = t("compare.fig.weight", lang)
    viridis = dict(zmin=0, zmax=1, colorscale=palette.colorscale(palette.SEQUENTIAL), showscale=False)
    future = t("compare.fig.future", lang)
    panels = [(a, clean_labels, weight, viridis), (b, corrupt_labels, weight, viridis)]
    if same:
        diff = a - b
        top = max(float(np.abs(diff).max()), 1e-3)
        panels.append((diff, clean_labels, t("compare.fig.difference", lang), dict(
            zmin=-top, zmax=top, zmid=0, colorscale=palette.colorscale(palette.DIVERGING),
            colorbar=dict(title=t("compare.fig.difference_short", lang)))))
    for col, (z, labels, what, style) in enumerate(panels, start=1):
        fig.add_trace(_empty_cells(_future(len(labels)), labels, labels, future), 1, col)
        fig.add_trace(_pattern_trace(z, labels, what, lang, **style), 1, col)
    fig.update_xaxes(type="category", tickangle=-45)
    fig.update_yaxes(type="category", autorange="reversed")
    side = 280 + 24 * min(max(len(clean_labels), len(corrupt_labels)), 16)
    fig.update_layout(font=FONT, height=side, title=title)
    return fig


@localized_figure
def attention_change_figure(change: torch.Tensor, *, lang: str = "en") -> go.Figure:
    """How far each head's attention moved between the runs (total variation distance, averaged over the queries:
    0 = the same weights, 1 = no overlap), layers down, heads across.   change [L, H]"""
    z = _numpy(change)
    what = t("compare.fig.moved", lang)
    hover = t("compare.fig.cell_hover", lang, row="%{y}", column="%{x}", what=what, value="%{z:.3f}")
    text = dict(texttemplate="%{z:.2f}") if z.size <= MAX_CELL_TEXT else {}
    fig = go.Figure(go.Heatmap(z=z, x=head_names(z.shape[1], lang=lang),
                               y=layer_names(z.shape[0], lang=lang), zmin=0, zmax=max(float(z.max()), 1e-3),
                               colorscale=palette.colorscale(palette.SEQUENTIAL), colorbar=dict(title=what),
                               hovertemplate=hover + "<extra></extra>", **text))
    fig.update_xaxes(type="category", tickangle=-45)
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_layout(font=FONT, height=_rows_height(z.shape[0]), title=t("compare.fig.moved_title", lang))
    return fig


# ---- patching --------------------------------------------------------------------------------------------------
@localized_figure
def patching_figure(effect: torch.Tensor, columns: list[str], title: str = "", *, by: str = "position",
                    lang: str = "en") -> go.Figure:
    """What each patch restored (1 = all of the clean prediction, 0 = nothing), layers down and positions or heads
    across (by = "position" or "head"); a patch the budget left unrun (NaN) is an empty grey cell.   effect [L, X]
    columns: the positions' labels (escaped for plotly) or the heads' names. The caller's title says what was
    patched."""
    z = _numpy(effect)
    top = max(1.0, float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0)
    what = t("compare.fig.restored", lang)
    hover = t("compare.fig.cell_hover", lang, row="%{y}", column="%{x}", what=what, value="%{z:.3f}")
    text = dict(texttemplate="%{z:.2f}") if z.size <= MAX_CELL_TEXT and z.shape[1] <= 24 else {}
    rows = layer_names(z.shape[0], lang=lang)
    values = go.Heatmap(z=z, x=columns, y=rows, zmin=-top, zmax=top, zmid=0, hoverongaps=False,
                        colorscale=palette.colorscale(palette.DIVERGING), colorbar=dict(title=what),
                        hovertemplate=hover + "<extra></extra>", **text)
    unrun = np.isnan(z)
    not_run = t("compare.fig.cell_hover", lang, row="%{y}", column="%{x}", what=what, value=t("compare.fig.not_run", lang))
    fig = go.Figure([_empty_cells(unrun, columns, rows, not_run), values] if unrun.any() else [values])
    fig.update_xaxes(type="category", tickangle=-45, title=t(f"compare.fig.by_{by}", lang))
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_layout(font=FONT, height=_rows_height(z.shape[0]), title=title)
    return fig


def head_names(n_heads: int, *, lang: str = "en") -> list[str]:
    """Column labels of a layer x head map."""
    return [t("compare.fig.head", lang, head=h) for h in range(n_heads)]


def pair_labels(clean_pieces: list[str], corrupt_pieces: list[str], first: int = 0) -> list[str]:
    """Position labels of two prompts of the same length, escaped for plotly: "3:▁sat" where both have the same
    token, "2:▁cat→▁dog" where they differ. first: the position of the first piece (a window of a long prompt)."""
    return [plotly_text(f"{i}:{a}" if a == b else f"{i}:{a}→{b}")
            for i, (a, b) in enumerate(zip(clean_pieces, corrupt_pieces), start=first)]
