"""Figures of attention across layers: the rollout (llama_edu/rollout.py) and the per-head measures
(llama_edu/analysis.py) as small multiples, layers x heads.

Pure functions: tensors of one sequence in (batch index already taken), plotly figures out. Token heatmaps put
queries on rows and keys on columns, like hook_pattern; cells in a query's future are left empty (grey), because
neither attention nor rollout can reach them. Layer x head maps put layer 0 at the top, like the attention page.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..analysis import ROLE_MEASURES, HeadRole
from ..i18n import t
from . import palette, summary
from .labels import localized_figure, number

FONT = dict(size=15)  # readable on a classroom projector
EMPTY_GREY = "rgba(150, 150, 150, 0.25)"  # the plot background shows through the future's empty cells
ROLE_FRAME = dict(color=palette.HIGHLIGHT, width=3)  # red (vermillion) frame around a head with a job
SHARES = palette.colorscale(palette.SEQUENTIAL)  # weights and rollout shares, 0 to 1; the measures too
MAX_CELL_TEXT = 12  # write values in token cells up to this many tokens; beyond, hover only
MAX_HEAD_TEXT = 96  # write values in layer x head cells up to this many cells per panel

# The small multiples, in reading order: (measure in head_measures / measure_heads, colour scale range or None).
# None: from 0 to the largest value the measure can take on this prompt (entropy and distance grow with length).
PANELS = [("entropy", None), ("mean_distance", None), ("first_token", 1.0),
          ("previous_token", 1.0), ("self_token", 1.0), ("subject_of_verb", 1.0)]


def _numpy(x: torch.Tensor) -> np.ndarray:
    return x.detach().float().cpu().numpy()


def _future(n: int) -> np.ndarray:
    """True where key j is in query i's future.   [T, T]"""
    return np.triu(np.ones((n, n), dtype=bool), k=1)


def _token_heatmap(values: np.ndarray, labels: list[str], what: str, lang: str, **kw) -> go.Heatmap:
    """A [T, T] map with the future left empty, values written in the cells while they fit."""
    future = _future(values.shape[0])
    z = np.where(future, np.nan, values)
    text = dict(texttemplate="%{z:.2f}") if len(labels) <= MAX_CELL_TEXT else {}
    hover = t("layers.hover.token_cell", lang, query="%{y}", key="%{x}", what=what, value="%{z:.3f}")
    return go.Heatmap(z=z, x=labels, y=labels, zmin=0, zmax=1, hoverongaps=False, colorscale=SHARES,
                      hovertemplate=hover + "<extra></extra>", **text, **kw)


def _token_axes(fig: go.Figure, labels: list[str], lang: str) -> None:
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels, tickangle=-45,
                     title=t("layers.axis.input_token", lang))
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels, autorange="reversed")
    fig.update_yaxes(title=t("layers.axis.position", lang), col=1)
    fig.update_layout(plot_bgcolor=EMPTY_GREY)


# ---- rollout ----------------------------------------------------------------------------------------------------
@localized_figure
def rollout_figure(rollout: torch.Tensor, raw: torch.Tensor, labels: list[str], layer: int,
                   raw_which: str = "", *, lang: str = "en") -> go.Figure:
    """The rollout after `layer` beside one layer's raw attention.   rollout [L, T, T], raw [T, T]

    raw_which names the raw map (e.g. "layer 5, mean over 8 heads"), in the caller's language."""
    R = _numpy(rollout)
    L = R.shape[0]
    if not 0 <= layer < L:
        raise ValueError(f"layer must be in 0..{L - 1}, got {layer}")
    left = t("layers.rollout.left_title", lang, layer=layer)
    right = t("layers.rollout.right_title", lang, which=raw_which)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=[left, right])
    fig.add_trace(_token_heatmap(R[layer], labels, t("layers.rollout.share", lang), lang,
                                 colorbar=dict(title=t("layers.rollout.share", lang))), 1, 1)
    fig.add_trace(_token_heatmap(_numpy(raw), labels, t("layers.rollout.weight", lang), lang, showscale=False), 1, 2)
    _token_axes(fig, labels, lang)
    side = 260 + 30 * min(len(labels), 24)
    fig.update_layout(font=FONT, height=side, title=t("layers.rollout.title", lang, layer=layer, n_layers=L))
    return fig


@localized_figure
def rollout_flow_figure(rollout: torch.Tensor, labels: list[str], query: int, *, keys: slice = slice(None),
                        lang: str = "en") -> go.Figure:
    """Where position `query` has its content from, after each layer: rows = layers, columns = input tokens.
    rollout [L, T, T] -> the rows rollout[:, query, :query + 1], of them the columns `keys` (a window of positions
    for a long prompt, app.common.token_window; all by default)"""
    R = _numpy(rollout)
    L, T, _ = R.shape
    if not 0 <= query < T:
        raise ValueError(f"query must be in 0..{T - 1}, got {query}")
    z = R[:, query, :query + 1][:, keys]  # [L, keys]: keys after the query are always 0
    layer_names = [t("layers.label.after_layer", lang, layer=i) for i in range(L)]
    hover = t("layers.hover.flow_cell", lang, layer="%{y}", key="%{x}", query=labels[query], value="%{z:.3f}")
    text = dict(texttemplate="%{z:.2f}") if z.shape[1] <= MAX_CELL_TEXT else {}
    fig = go.Figure(go.Heatmap(z=z, x=labels[:query + 1][keys], y=layer_names, zmin=0, zmax=1, colorscale=SHARES,
                               colorbar=dict(title=t("layers.rollout.share", lang)),
                               hovertemplate=hover + "<extra></extra>", **text))
    fig.update_xaxes(type="category", tickangle=-45, title=t("layers.axis.input_token", lang))
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_layout(font=FONT, height=200 + 40 * L, title=t("layers.flow.title", lang, query=labels[query]))
    return fig


@localized_figure
def first_token_flow_figure(rollout: torch.Tensor, uniform: torch.Tensor, query: int, *,
                            lang: str = "en") -> go.Figure:
    """The share of token 0 in position `query` after each layer: the model's rollout against the rollout of
    uniform causal attention (llama_edu.rollout.uniform_rollout), which shows how much of it is structural.
    rollout, uniform [L, T, T]"""
    model_share, uniform_share = _numpy(rollout)[:, query, 0], _numpy(uniform)[:, query, 0]
    layers = list(range(len(model_share)))
    hover = t("layers.hover.first_token", lang, layer="%{x}", value="%{y:.3f}") + "<extra>%{fullData.name}</extra>"
    fig = go.Figure([
        go.Scatter(x=layers, y=model_share, mode="lines+markers", name=t("layers.first.model", lang),
                   line=dict(color=palette.BLUE), hovertemplate=hover),
        go.Scatter(x=layers, y=uniform_share, mode="lines+markers", name=t("layers.first.uniform", lang),
                   line=dict(dash="dash", color=palette.GREY), hovertemplate=hover),
    ])
    fig.update_xaxes(dtick=1, title=t("layers.axis.after_layer", lang))
    fig.update_yaxes(range=[0, 1], title=t("layers.axis.first_share", lang))
    fig.update_layout(font=FONT, height=380, title=t("layers.first.title", lang),
                      legend=dict(orientation="h", y=1.02, yanchor="bottom"))
    return fig


# ---- per-head measures as small multiples ----------------------------------------------------------------------
def measure_range(measure: str, n_tokens: int) -> float:
    """The top of a panel's colour scale: 1 for shares, log2(T) bits for entropy, T - 1 tokens for distance."""
    top = dict(PANELS)[measure]
    if top is not None:
        return top
    if measure == "entropy":
        return max(math.log2(n_tokens), 1e-6)  # the last query spreading evenly over all T tokens
    return max(n_tokens - 1, 1)  # mean_distance: the last query looking at token 0


@localized_figure
def measures_grid(measures: dict[str, torch.Tensor], n_tokens: int, roles: list[HeadRole] = (), *,
                  lang: str = "en") -> go.Figure:
    """One small layer x head heatmap per measure (the PANELS present in `measures`, each [L, H]), with the heads
    that find_head_roles named framed in red on the panel of their role's measure."""
    panels = [(m, measure_range(m, n_tokens)) for m, _ in PANELS if m in measures]
    n_layers = measures[panels[0][0]].shape[0]
    cols = 3
    rows = math.ceil(len(panels) / cols)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.1, vertical_spacing=0.16,
                        subplot_titles=[t(f"layers.measure.{m}", lang) for m, _ in panels])
    role_of_measure = {measure: role for role, measure in ROLE_MEASURES.items()}
    for n, (measure, top) in enumerate(panels):
        r, c = n // cols + 1, n % cols + 1
        z = _numpy(measures[measure])
        L, H = z.shape
        xaxis = fig.layout[f"xaxis{n + 1 if n else ''}"]
        yaxis = fig.layout[f"yaxis{n + 1 if n else ''}"]
        bar = dict(x=xaxis.domain[1] + 0.005, y=sum(yaxis.domain) / 2, len=yaxis.domain[1] - yaxis.domain[0],
                   thickness=10, tickfont=dict(size=11))
        # A head with a job gets a red frame, and its role in the hover text of its cell.
        role_name = t(f"layers.role.{measure}", lang) if measure in role_of_measure else ""
        marked = [role for role in roles if role_of_measure.get(measure) == role.role]
        jobs = np.full((L, H), "", dtype=object)
        for role in marked:
            jobs[role.layer, role.head] = "<br>" + t("layers.hover.role", lang, layer=role.layer, head=role.head,
                                                    role=role_name, score=number(role.score, ".2f", lang))
        hover = t("layers.hover.head_cell", lang, layer="%{y}", head="%{x}", what=t(f"layers.measure.{measure}", lang),
                  value="%{z:.2f}") + "%{customdata}<extra></extra>"
        text = dict(texttemplate="%{z:.2f}", textfont=dict(size=10)) if L * H <= MAX_HEAD_TEXT else {}
        fig.add_trace(go.Heatmap(z=z, x=list(range(H)), y=list(range(L)), zmin=0, zmax=top, colorscale=SHARES,
                                 colorbar=bar, customdata=jobs, hovertemplate=hover, **text), r, c)
        axis_suffix = n + 1 if n else ""
        for role in marked:
            fig.add_shape(type="rect", x0=role.head - 0.5, x1=role.head + 0.5, y0=role.layer - 0.5,
                          y1=role.layer + 0.5, xref=f"x{axis_suffix}", yref=f"y{axis_suffix}", line=ROLE_FRAME,
                          name=f"L{role.layer}H{role.head}: {role_name}")
        fig.update_xaxes(dtick=1 if H <= 16 else None, title=t("layers.axis.head", lang), row=r, col=c,
                         range=[-0.5, H - 0.5])
        fig.update_yaxes(dtick=1 if L <= 16 else None, title=t("layers.axis.layer", lang) if c == 1 else None,
                         autorange="reversed", row=r, col=c)
    fig.update_layout(font=FONT, height=120 + rows * (150 + 28 * min(n_layers, 32)),
                      title=t("layers.grid.title", lang))
    jobs = {measure: t(f"layers.role.{measure}", lang) for measure in ROLE_MEASURES.values()}
    return summary.with_summary(fig, summary.jobs_sentence(measures, jobs, lang=lang))
