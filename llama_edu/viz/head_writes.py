"""Figures of what the heads write into the residual stream: wo cut into one block of columns per head, each head's
vector and their sum next to the model's attention output, the vectors' lengths, what an ablation removes, and
length against effect.

Every function takes tensors of one sequence and position (llama_edu.head_writes computes them) or plain numbers,
and returns a plotly figure; nothing here runs the model.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch

from ..i18n import t
from . import palette
from .labels import localized_figure, number

FONT = {"size": 15}
HIGHLIGHT = palette.HIGHLIGHT  # the chosen head (also marked ◀, or labelled, in each figure)
OTHERS = palette.BLUE
SUM_GREY = palette.DARK_GREY
SIGNED = palette.colorscale(palette.DIVERGING)  # weights and vector entries around 0
MOST_CELLS = 256  # a heatmap axis longer than this is drawn every k-th entry (a 7B's wo is 4,096 x 4,096)


def _numpy(x: torch.Tensor) -> np.ndarray:
    return x.detach().float().cpu().numpy()


def _every(n: int, most: int = MOST_CELLS) -> int:
    """Stride that keeps at most `most` of n entries."""
    return max(1, math.ceil(n / most))


@localized_figure
def wo_blocks_figure(wo: torch.Tensor, n_heads: int, head: int, title: str = "", *, lang: str = "en") -> go.Figure:
    """wo [D, H*hd] as a heatmap, rows the model width (what is written into the stream), columns the heads' outputs
    side by side; the chosen head's block of hd columns framed, each block named below. A matrix wider than
    MOST_CELLS is drawn every k-th row and column (the caption of the page says so)."""
    d, width = wo.shape
    hd = width // n_heads
    rows, cols = _every(d), _every(width)
    z = _numpy(wo)[::rows, ::cols]
    x, y = np.arange(0, width, cols), np.arange(0, d, rows)
    limit = float(np.abs(z).max()) or 1.0
    hover = t("heads_together.viz.wo_hover", lang, row="%{y}", column="%{x}", value="%{z:.3f}")
    fig = go.Figure(go.Heatmap(z=z, x=x, y=y, colorscale=SIGNED, zmid=0, zmin=-limit, zmax=limit,
                               hovertemplate=hover + "<extra></extra>", colorbar={"title": {"text": "w"}}))
    first, last = head * hd, (head + 1) * hd - 1
    fig.add_shape(type="rect", x0=first - 0.5, x1=last + 0.5, y0=-0.5, y1=d - 0.5, line={"color": "black", "width": 3})
    for h in range(1, n_heads):  # the borders between blocks
        fig.add_shape(type="line", x0=h * hd - 0.5, x1=h * hd - 0.5, y0=-0.5, y1=d - 0.5,
                      line={"color": "rgba(0,0,0,0.35)", "width": 1})
    labelled = n_heads <= 16
    fig.update_xaxes(title=t("heads_together.viz.wo_x", lang, hd=hd),
                     tickvals=[h * hd + (hd - 1) / 2 for h in range(n_heads)] if labelled else None,
                     ticktext=[f"h{h}" for h in range(n_heads)] if labelled else None)
    fig.update_yaxes(title=t("heads_together.viz.wo_y", lang, d=number(d, ",", lang=lang)), autorange="reversed")
    fig.update_layout(font=FONT, height=520, title=title)
    return fig


@localized_figure
def head_writes_figure(writes: torch.Tensor, attention_out: torch.Tensor, head: int, title: str = "", *,
                       lang: str = "en") -> go.Figure:
    """Rows: each head's vector [H, D] at one position, then their sum, then the model's own attention output
    (hook_out) [D]: the last two rows are the same picture. The chosen head's row is marked. Columns: the model's
    width (every k-th beyond MOST_CELLS)."""
    n_heads, d = writes.shape
    every = _every(d)
    heads = _numpy(writes)
    z = np.vstack([heads, heads.sum(0, keepdims=True), _numpy(attention_out)[None]])[:, ::every]
    names = [t("heads_together.viz.row_head", lang, head=h) + (" ◀" if h == head else "") for h in range(n_heads)]
    names += [t("heads_together.viz.row_sum", lang, n=n_heads), t("heads_together.viz.row_out", lang)]
    limit = float(np.abs(z).max()) or 1.0
    hover = t("heads_together.viz.vector_hover", lang, row="%{y}", dim="%{x}", value="%{z:.3f}")
    fig = go.Figure(go.Heatmap(z=z, x=np.arange(0, d, every), y=names, colorscale=SIGNED, zmid=0, zmin=-limit,
                               zmax=limit, hovertemplate=hover + "<extra></extra>"))
    fig.add_shape(type="line", xref="paper", x0=0, x1=1, y0=n_heads - 0.5, y1=n_heads - 0.5,
                  line={"color": "black", "width": 2})  # the heads above, their sum and hook_out below
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(title=t("heads_together.viz.dims", lang, d=number(d, ",", lang=lang)))
    fig.update_layout(font=FONT, height=170 + 34 * (n_heads + 2), title=title)
    return fig


@localized_figure
def write_norms_figure(norms: torch.Tensor, sum_norm: float, head: int, title: str = "", *,
                       lang: str = "en") -> go.Figure:
    """The length of each head's vector [H] (the chosen head in red), and beside them two bars: the lengths added up,
    and the length of the vectors added up (the attention output): shorter, where the vectors point different ways."""
    values = [float(v) for v in norms]
    names = [t("heads_together.viz.row_head", lang, head=h) for h in range(len(values))]
    total = sum(values)
    fig = go.Figure(go.Bar(
        x=names + [t("heads_together.viz.bar_lengths_added", lang), t("heads_together.viz.bar_vectors_added", lang)],
        y=values + [total, sum_norm], marker_color=[HIGHLIGHT if h == head else OTHERS for h in range(len(values))]
        + [SUM_GREY, palette.BLUISH_GREEN], text=[number(v, ".1f", lang=lang) for v in values + [total, sum_norm]],
        textposition="outside", hovertemplate="%{x}: %{y:.2f}<extra></extra>"))
    fig.update_yaxes(title=t("heads_together.viz.length", lang), rangemode="tozero", range=[0, 1.15 * max(total, 1e-9)])
    fig.update_xaxes(type="category")
    fig.update_layout(font=FONT, height=460, title=title, showlegend=False)
    return fig


@localized_figure
def ablation_check_figure(write: torch.Tensor, removed: torch.Tensor, title: str = "", *,
                          lang: str = "en") -> go.Figure:
    """One point per dimension of the model width: x what the head wrote there, y what silencing it took out of the
    attention output (before minus after). Every point on the diagonal: the ablation removes that vector, no more."""
    x, y = _numpy(write), _numpy(removed)
    low, high = float(min(x.min(), y.min(), 0)), float(max(x.max(), y.max(), 0))
    hover = t("heads_together.viz.check_hover", lang, dim="%{customdata}", write="%{x:.4f}", removed="%{y:.4f}")
    fig = go.Figure([
        go.Scatter(x=[low, high], y=[low, high], mode="lines", line={"color": SUM_GREY, "dash": "dot"},
                   name=t("heads_together.viz.diagonal", lang), hoverinfo="skip"),
        go.Scatter(x=x, y=y, mode="markers", marker={"color": HIGHLIGHT, "size": 6},
                   name=t("heads_together.viz.points", lang), customdata=np.arange(len(x)),
                   hovertemplate=hover + "<extra></extra>"),
    ])
    fig.update_xaxes(title=t("heads_together.viz.check_x", lang))
    fig.update_yaxes(title=t("heads_together.viz.check_y", lang), scaleanchor="x")
    fig.update_layout(font=FONT, height=500, title=title, legend={"orientation": "h", "y": -0.2})
    return fig


@localized_figure
def write_vs_effect_figure(norms: torch.Tensor, kl_bits: torch.Tensor, head: tuple[int, int], title: str = "", *,
                           lang: str = "en") -> go.Figure:
    """One point per head [n_layers, H]: x the length of its vector at the last position, y how far silencing it
    moves the next-token prediction (KL, bits); heads not silenced (NaN) are left out, the chosen head is red."""
    n_layers, n_heads = norms.shape
    points = [(float(norms[l, h]), float(kl_bits[l, h]), l, h) for l in range(n_layers) for h in range(n_heads)
              if not math.isnan(float(kl_bits[l, h]))]
    hover = t("heads_together.viz.effect_hover", lang, name="%{customdata}", length="%{x:.1f}", kl="%{y:.3f}")
    fig = go.Figure()
    for chosen in (False, True):
        picked = [p for p in points if ((p[2], p[3]) == tuple(head)) == chosen]
        fig.add_trace(go.Scatter(
            x=[p[0] for p in picked], y=[p[1] for p in picked], mode="markers+text" if chosen else "markers",
            text=[f"L{p[2]}H{p[3]}" for p in picked] if chosen else None, textposition="top center",
            customdata=[f"L{p[2]}H{p[3]}" for p in picked], hovertemplate=hover + "<extra></extra>",
            marker={"color": HIGHLIGHT if chosen else OTHERS, "size": 13 if chosen else 9},
            name=t("heads_together.viz.chosen" if chosen else "heads_together.viz.other_heads", lang)))
    fig.update_xaxes(title=t("heads_together.viz.length_last", lang), rangemode="tozero")
    fig.update_yaxes(title=t("heads_together.viz.kl", lang), rangemode="tozero")
    fig.update_layout(font=FONT, height=480, title=title, legend={"orientation": "h", "y": -0.2})
    return fig
