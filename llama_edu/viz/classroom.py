"""The class's answers to the teacher's question, as they arrive: the share of the class on each option, the right
one marked once revealed, and beside it the model's own probability when the question was "which token comes
next?" (the class's guess against what the model computes)."""

from __future__ import annotations

import plotly.graph_objects as go

from ..i18n import t
from . import palette
from .labels import localized_figure, number, plotly_text

FONT = {"size": 16}
CLASS_BLUE, MODEL_ORANGE, RIGHT_GREEN = palette.BLUE, palette.ORANGE, palette.RIGHT  # the right one also has its ✓


@localized_figure
def answers_figure(options: list[str], counts: list[int], answer: int | None = None,
                   probabilities: list[float] | None = None, *, lang: str = "en") -> go.Figure:
    """Horizontal bars, one row per option (in the question's order): the share of the answers on it (counts), the
    right option (answer) marked with a tick and drawn green, and the model's probability of each option beside it."""
    total = sum(counts)
    shares = [c / total if total else 0.0 for c in counts]
    labels = [plotly_text(("✓ " if i == answer else "") + option) for i, option in enumerate(options)]
    colours = [RIGHT_GREEN if i == answer else CLASS_BLUE for i in range(len(options))]
    bars = [go.Bar(y=labels, x=shares, orientation="h", name=t("classroom.figure_class", lang), marker_color=colours,
                   text=[f"{number(s, '.0%', lang=lang)} ({c})" for s, c in zip(shares, counts)],
                   textposition="outside", cliponaxis=False)]
    if probabilities is not None:
        bars.append(go.Bar(y=labels, x=probabilities, orientation="h", name=t("classroom.figure_model", lang),
                           marker_color=MODEL_ORANGE, text=[number(p, ".0%", lang=lang) for p in probabilities],
                           textposition="outside", cliponaxis=False))
    fig = go.Figure(bars)
    fig.update_layout(font=FONT, barmode="group", height=140 + 60 * len(options) * len(bars),
                      title=t("classroom.figure_title", lang, n=total), legend={"orientation": "h", "y": -0.2},
                      xaxis={"tickformat": ".0%", "range": [0, 1.15]}, yaxis={"autorange": "reversed"},
                      margin={"l": 10, "r": 30})
    return fig
