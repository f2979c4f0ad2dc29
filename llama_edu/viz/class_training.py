"""A training the class watches live: the loss of every batch and the validation loss at each evaluation, against
the step, on an axis that already spans the whole run (the curve grows across the figure as the steps are done), with
the loss of a uniform guess over the vocabulary (ln V) as the line every model starts from."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from ..i18n import t
from .labels import localized_figure, number
from .palette import GREY, OKABE_ITO

FONT = {"size": 16}
BATCH, VALIDATION = OKABE_ITO["sky_blue"], OKABE_ITO["vermillion"]


@localized_figure
def live_loss_figure(losses: list, evals: list, steps: int, vocab_size: int | None = None, *,
                     lang: str = "en") -> go.Figure:
    """losses: [[step, batch loss], ...]; evals: [[step, validation loss], ...]; steps: the run's length (the x axis
    spans it from the start); vocab_size: draws ln V, the loss of a uniform guess, as a dotted grey line."""
    fig = go.Figure()
    if losses:
        fig.add_scatter(x=[s for s, _ in losses], y=[v for _, v in losses], mode="lines", line={"width": 1.5},
                        line_color=BATCH, name=t("class_training.fig_batch", lang),
                        hovertemplate=t("class_training.fig_hover", lang, step="%{x}", loss="%{y:.3f}")
                                      + "<extra></extra>")
    if evals:
        fig.add_scatter(x=[s for s, _ in evals], y=[v for _, v in evals], mode="lines+markers",
                        line={"width": 3, "color": VALIDATION}, marker={"size": 9, "color": VALIDATION},
                        name=t("class_training.fig_validation", lang),
                        hovertemplate=t("class_training.fig_hover", lang, step="%{x}", loss="%{y:.3f}")
                                      + "<extra></extra>")
    top = math.log(vocab_size) if vocab_size else None
    if top is not None:
        fig.add_hline(y=top, line_dash="dot", line_color=GREY, annotation_position="top right",
                      annotation_text=t("class_training.fig_uniform", lang, vocab=number(vocab_size, ",d", lang=lang),
                                        loss=number(top, ".2f", lang=lang)))
    values = [v for _, v in losses] + [v for _, v in evals]
    high = max([*values, top or 0.0, 1.0])
    fig.update_layout(font=FONT, height=400, margin={"l": 10, "r": 10, "t": 40, "b": 40},
                      xaxis={"title": t("class_training.fig_x", lang), "range": [0, max(steps, 1)]},
                      yaxis={"title": t("class_training.fig_y", lang), "range": [0, high * 1.08]},
                      legend={"orientation": "h", "y": 1.12}, showlegend=True)
    return fig
