"""Figures of the tiny model's training history (llama_edu/history.py): the loss with one step marked, the next token
at that step, and the previous-token head forming.

Pure functions: numbers in, plotly figures out; no checkpoint is loaded here. Colours come only from palette.py:
viridis for the head scores, Okabe-Ito categories for lines, bars and marks, grey for reference lines.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch

from ..i18n import t
from . import palette
from .labels import localized_figure, number, plotly_text
from .training import loss_curve_figure

FONT = dict(size=15)  # readable on a classroom projector
MARK = palette.category(2)  # the chosen step, in every figure of the page
FRAME = dict(color=palette.category(1), width=4)  # the strongest head's cell


def _step_line(fig: go.Figure, x: float, step: int, lang: str) -> None:
    fig.add_vline(x=x, line=dict(color=MARK, width=3, dash="dash"), annotation_position="top right",
                  annotation_text=t("history.viz.step", lang, step=step))


@localized_figure
def loss_history_figure(log: dict, step: int, *, lang: str = "en") -> go.Figure:
    """viz.training's loss curve of the run (training batch loss and validation loss against tokens seen), with the
    chosen step marked: a line, and a point on each curve that has a value at that step."""
    fig = loss_curve_figure(log, lang=lang)
    batch, validation = fig.data
    batch.line.color, validation.line.color = palette.GREY, palette.category(0)  # as the Training page draws them
    per_step = log["config"]["batch_size"] * log["config"]["seq_len"]
    x = step * per_step / 1e6
    train = next(s["loss"] for s in log["steps"] if s["step"] == step)
    marked = [(t("viz.training.batch", lang), train)]
    marked += [(t("viz.training.validation", lang), e["val_loss"]) for e in log["evals"] if e["step"] == step]
    hover = t("history.viz.loss_hover", lang, step=step, what="%{customdata}", loss="%{y:.3f}") + "<extra></extra>"
    fig.add_scatter(x=[x] * len(marked), y=[loss for _, loss in marked], mode="markers", showlegend=False,
                    customdata=[name for name, _ in marked], hovertemplate=hover,
                    marker=dict(color=MARK, size=14, line=dict(color=palette.OKABE_ITO["black"], width=1)))
    _step_line(fig, x, step, lang)
    fig.update_layout(font=FONT, title=t("history.viz.loss_title", lang, step=step), height=420,
                      legend=dict(orientation="h", y=-0.25, yanchor="top"), margin=dict(l=10, r=10, t=60, b=40))
    return fig


@localized_figure
def next_token_figure(top: list[tuple[str, float]], title: str, *, watched: tuple[str, int, float] | None = None,
                      top_probability: float | None = None, lang: str = "en") -> go.Figure:
    """The likeliest next tokens as horizontal bars, likeliest on top. watched: (piece, rank, probability) of a piece
    to point out: its bar is coloured where it is among `top`, else added below with its rank. top_probability: the
    axis' end, the same for every step so bars compare (default: this figure's largest). title: escaped here."""
    rows = [(piece, p, rank) for rank, (piece, p) in enumerate(top, start=1)]
    if watched is not None and watched[0] not in [piece for piece, _ in top]:
        rows.append((watched[0], watched[2], watched[1]))
    names = [t("history.viz.ranked", lang, rank=rank, piece=plotly_text(piece)) for piece, _, rank in rows]
    colours = [palette.category(1) if watched is not None and piece == watched[0] else palette.category(0)
               for piece, _, _ in rows]
    hover = t("history.viz.next_hover", lang, token="%{y}", p="%{x:.3g}") + "<extra></extra>"
    # REPORT's three decimals; two significant digits for a piece far down the ranking (0.00063, not 0.001)
    text = [number(p, ".3f" if rank <= len(top) else ".2g", lang=lang) for _, p, rank in rows]
    fig = go.Figure(go.Bar(y=names, x=[p for _, p, _ in rows], orientation="h", marker_color=colours, text=text,
                           textposition="outside", hovertemplate=hover))
    end = max(top_probability or 0.0, max(p for _, p, _ in rows), 0.01)
    fig.update_yaxes(type="category", autorange="reversed", title=t("history.viz.next_token", lang))
    fig.update_xaxes(range=[0, min(1.0, end * 1.3)], title=t("history.viz.probability", lang))
    fig.update_layout(font=FONT, height=170 + 44 * len(rows), title=plotly_text(title), showlegend=False,
                      margin=dict(l=10, r=10, t=60, b=40))
    return fig


@localized_figure
def previous_token_map(scores: torch.Tensor, strongest: tuple[int, int], step: int, *, zmax: float | None = None,
                       lang: str = "en") -> go.Figure:
    """Every head's previous-token score at one step, layers down, heads across, with the strongest head framed.
    scores [L, H]; zmax: the colour scale's top, the same for every step so colours compare (default: this map's)."""
    z = scores.detach().float().cpu().numpy()
    L, H = z.shape
    what = t("history.viz.score", lang)
    hover = t("history.viz.head_hover", lang, layer="%{y}", head="%{x}", what=what, value="%{z:.3f}")
    fig = go.Figure(go.Heatmap(z=z, x=list(range(H)), y=list(range(L)), zmin=0, zmax=zmax or float(np.max(z)),
                               colorscale=palette.colorscale(palette.SEQUENTIAL), colorbar=dict(title=what),
                               texttemplate="%{z:.2f}" if L * H <= 128 else None,
                               hovertemplate=hover + "<extra></extra>"))
    layer, head = strongest
    fig.add_shape(type="rect", x0=head - 0.5, x1=head + 0.5, y0=layer - 0.5, y1=layer + 0.5, line=FRAME)
    fig.update_xaxes(dtick=1, title=t("history.viz.head", lang), range=[-0.5, H - 0.5])
    fig.update_yaxes(dtick=1, title=t("history.viz.layer", lang), autorange="reversed")
    fig.update_layout(font=FONT, height=160 + 40 * min(L, 24),
                      title=t("history.viz.map_title", lang, step=step, head=f"L{layer}H{head}"))
    return fig


@localized_figure
def head_line_figure(steps: list[int], lead: tuple[str, list[float]], strongest: list[tuple[str, float]],
                     uniform: float, step: int, *, lang: str = "en") -> go.Figure:
    """The previous-token score along the run: lead = (name, score at each step) of the head that leads at the end;
    strongest = (name, score) of the strongest head at each step; uniform: what a head that spreads its attention
    evenly scores (a grey line). The chosen step is marked."""
    name, line = lead
    score = t("history.viz.score", lang)
    fig = go.Figure()
    fig.add_scatter(x=steps, y=line, mode="lines+markers", name=t("history.viz.lead", lang, head=name),
                    line=dict(color=palette.category(0), width=3), marker=dict(size=10),
                    hovertemplate=t("history.viz.line_hover", lang, step="%{x}", head=name, value="%{y:.3f}")
                    + "<extra></extra>")
    fig.add_scatter(x=steps, y=[s for _, s in strongest], mode="lines+markers", name=t("history.viz.strongest", lang),
                    line=dict(color=palette.category(1), width=2, dash="dot"), marker=dict(size=8, symbol="diamond"),
                    customdata=[head for head, _ in strongest],
                    hovertemplate=t("history.viz.line_hover", lang, step="%{x}", head="%{customdata}",
                                    value="%{y:.3f}") + "<extra></extra>")
    fig.add_hline(y=uniform, line=dict(color=palette.GREY, dash="dot"), annotation_position="bottom right",
                  annotation_text=t("history.viz.uniform", lang, value=number(uniform, ".2f", lang=lang)))
    _step_line(fig, step, step, lang)
    fig.update_xaxes(title=t("viz.axis.step", lang), tickvals=steps)
    fig.update_yaxes(title=score, rangemode="tozero")
    fig.update_layout(font=FONT, height=400, title=t("history.viz.line_title", lang),
                      legend=dict(orientation="h", y=-0.25), margin=dict(l=10, r=10, t=60, b=40))
    return fig
