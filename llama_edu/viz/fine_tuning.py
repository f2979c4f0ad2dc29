"""Figures of a fine-tune: how far each weight matrix moved (relative to its size), layer by layer, and the next
token's probabilities before and after.

The numbers come from llama_edu.fine_tune; this module only draws them.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..fine_tune import BLOCK_MATRICES, BLOCK_NORMS, NextTokenShift, WeightChange
from ..i18n import t
from . import palette
from .labels import localized_figure, number, plotly_text

FONT = {"size": 15}
BEFORE, AFTER = palette.SKY_BLUE, palette.ORANGE


def _short_kind(kind: str) -> str:
    """ "attention.wq" -> "wq", "feed_forward.w2" -> "w2"; norms and the rest as they are."""
    return kind.rsplit(".", 1)[-1]


@localized_figure
def weight_change_figure(changes: list[WeightChange], *, lang: str = "en") -> go.Figure:
    """||W_after - W_before|| / ||W_before|| in percent: a heatmap of every block's matrices and norm gains (layers
    on rows), and beside it the parameters outside the blocks (embedding, final norm, output)."""
    kinds = [*BLOCK_MATRICES, *BLOCK_NORMS]
    layers = sorted({c.layer for c in changes if c.layer is not None})
    by = {(c.kind, c.layer): c.relative for c in changes}
    z = [[100 * by[(kind, layer)] for kind in kinds] for layer in layers]
    outside = [c for c in changes if c.layer is None]
    top = max(max(map(max, z)), *(100 * c.relative for c in outside))
    titles = [t("fine_tuning.viz.blocks_title", lang), t("fine_tuning.viz.outside_title", lang)]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.74, 0.26], horizontal_spacing=0.1, subplot_titles=titles)
    fig.add_trace(go.Heatmap(
        z=z, x=[_short_kind(k) for k in kinds], y=[t("fine_tuning.viz.layer", lang, layer=layer) for layer in layers],
        zmin=0, zmax=top, colorscale=palette.colorscale(palette.SEQUENTIAL), texttemplate="%{z:.1f}", showscale=False,
        hovertemplate=t("fine_tuning.viz.change_hover", lang, change="%{z:.2f}") + "<extra>%{y} %{x}</extra>"),
        row=1, col=1)
    fig.add_trace(go.Bar(x=[plotly_text(c.kind) for c in outside], y=[100 * c.relative for c in outside],
                         marker_color=AFTER, text=[number(100 * c.relative, ".2f", lang=lang) for c in outside],
                         textposition="outside", showlegend=False,
                         hovertemplate="%{x}: %{y:.2f} %<extra></extra>"), row=1, col=2)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_yaxes(title=t("fine_tuning.viz.percent_axis", lang), range=[0, 1.25 * top], row=1, col=2)
    fig.update_layout(font=FONT, height=460, title=t("fine_tuning.viz.weights_title", lang), margin={"t": 110})
    return fig


@localized_figure
def next_token_shift_figure(shifts: list[NextTokenShift], prompt: str, *, lang: str = "en") -> go.Figure:
    """The likeliest next tokens after `prompt` under the original model and under the fine-tuned copy."""
    pieces = [plotly_text(s.piece) for s in shifts]
    fig = go.Figure([
        go.Bar(x=pieces, y=[s.before for s in shifts], name=t("fine_tuning.viz.before", lang), marker_color=BEFORE,
               texttemplate="%{y:.2f}", textposition="outside", hovertemplate="%{x}: %{y:.4f}<extra></extra>"),
        go.Bar(x=pieces, y=[s.after for s in shifts], name=t("fine_tuning.viz.after", lang), marker_color=AFTER,
               texttemplate="%{y:.2f}", textposition="outside", hovertemplate="%{x}: %{y:.4f}<extra></extra>"),
    ])
    fig.update_yaxes(title=t("fine_tuning.viz.probability_axis", lang), range=[0, 1.12])
    fig.update_layout(barmode="group", font=FONT, height=420, legend={"orientation": "h", "y": -0.2},
                      title=t("fine_tuning.viz.shift_title", lang, prompt=plotly_text(prompt)))
    return fig
