"""Long contexts as figures: how many turns each RoPE pair makes within the trained context and within a longer one,
each method's frequencies against plain RoPE's, and the model's loss position band by position band.

The frequencies and losses are llama_edu.long_context's (built on llama_edu.model.rope_frequencies); this module only
draws them.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..i18n import t
from ..long_context import METHODS
from . import palette
from .labels import localized_figure, number

FONT = dict(size=16)
COLOURS = {"plain": palette.GREY, "pi": palette.BLUE, "ntk": palette.BLUISH_GREEN, "yarn": palette.VERMILLION,
           "llama3": palette.REDDISH_PURPLE}
TRAINED_COLOUR, TARGET_COLOUR = palette.BLUE, palette.VERMILLION


def method_label(method: str, *, lang: str = "en") -> str:
    """ "plain RoPE", "position interpolation", ...: one of llama_edu.long_context.METHODS in words."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}")
    return t(f"long_context.method.{method}", lang)


def band_labels(context: int, n_bands: int) -> list[str]:
    """ "0–255", "256–511", ...: the positions of each band of `context` tokens."""
    return [f"{i * context}–{(i + 1) * context - 1}" for i in range(n_bands)]


@localized_figure
def turns_figure(freqs: torch.Tensor, trained: int, target: int, *, lang: str = "en") -> go.Figure:
    """Full turns of each pair within the trained context and within the target one (log scale), with the line of
    one full turn: a pair below it in training has seen only part of the circle, and past the trained context it
    turns into angles it never saw."""
    pairs = list(range(len(freqs)))
    trained_turns = (trained * freqs / (2 * math.pi)).tolist()
    target_turns = (target * freqs / (2 * math.pi)).tolist()
    hover = t("long_context.viz.turns_hover", lang, pair="%{x}", turns="%{y:,.3g}")
    fig = go.Figure([
        go.Scatter(x=pairs, y=trained_turns, mode="lines+markers", line=dict(color=TRAINED_COLOUR),
                   name=t("long_context.viz.within_trained", lang, n=number(trained, ",", lang=lang)),
                   hovertemplate=hover + "<extra></extra>"),
        go.Scatter(x=pairs, y=target_turns, mode="lines+markers", line=dict(color=TARGET_COLOUR, dash="dot"),
                   name=t("long_context.viz.within_target", lang, n=number(target, ",", lang=lang)),
                   hovertemplate=hover + "<extra></extra>"),
        go.Scatter(x=[pairs[0], pairs[-1]], y=[1, 1], mode="lines+text", line=dict(color="black", dash="dash"),
                   text=[t("long_context.viz.one_turn", lang), ""], textposition="top right", showlegend=False,
                   hoverinfo="skip"),
    ])
    fig.update_yaxes(type="log", exponentformat="power", title=t("long_context.viz.turns_axis", lang))
    fig.update_xaxes(title=t("long_context.viz.pair_axis", lang))
    fig.update_layout(font=FONT, height=480, legend=dict(orientation="h", y=-0.2))
    return fig


@localized_figure
def frequencies_figure(plain: torch.Tensor, scaled: dict[str, torch.Tensor], contexts: dict[str, int], *,
                       lang: str = "en") -> go.Figure:
    """Left: each method's θ'_i / θ_i per pair (1 = kept, 1/s = slowed s times). Right: the wavelengths 2π/θ'_i, with
    the trained and the target context as dotted lines. scaled: method -> θ' [hd/2]; contexts: label -> tokens."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12, subplot_titles=(
        t("long_context.viz.ratio_title", lang), t("long_context.viz.wavelength_title", lang)))
    pairs = list(range(len(plain)))
    ratio_hover = t("long_context.viz.ratio_hover", lang, pair="%{x}", ratio="%{y:.3f}")
    wave_hover = t("long_context.viz.wavelength_hover", lang, pair="%{x}", n="%{y:,.0f}")
    for method, freqs in scaled.items():
        label, colour = method_label(method, lang=lang), COLOURS[method]
        fig.add_trace(go.Scatter(x=pairs, y=(freqs / plain).tolist(), mode="lines+markers", name=label,
                                 legendgroup=method, line=dict(color=colour),
                                 hovertemplate=f"{label}<br>{ratio_hover}<extra></extra>"), row=1, col=1)
        fig.add_trace(go.Scatter(x=pairs, y=(2 * math.pi / freqs).tolist(), mode="lines+markers", name=label,
                                 legendgroup=method, showlegend=False, line=dict(color=colour),
                                 hovertemplate=f"{label}<br>{wave_hover}<extra></extra>"), row=1, col=2)
    for label, n in contexts.items():
        fig.add_trace(go.Scatter(x=[pairs[0], pairs[-1]], y=[n, n], mode="lines+text", showlegend=False,
                                 line=dict(dash="dot", color="black"), hoverinfo="skip",
                                 text=[f"{label}: {number(n, ',', lang=lang)}", ""], textposition="top right"),
                      row=1, col=2)
    fig.update_yaxes(range=[0, 1.05], row=1, col=1)  # a share of the plain frequency: 1/s .. 1
    fig.update_yaxes(type="log", exponentformat="power", row=1, col=2)
    fig.update_xaxes(title=t("long_context.viz.pair_axis", lang))
    fig.update_layout(font=FONT, height=500, legend=dict(orientation="h", y=-0.22))
    return fig


@localized_figure
def loss_bands_figure(losses: dict[str, list[float]], context: int, *, lang: str = "en") -> go.Figure:
    """The model's mean next-token loss in each band of `context` positions, one line per method; the first band is
    the trained context, every later one lies beyond it."""
    n_bands = max(len(v) for v in losses.values())
    bands = band_labels(context, n_bands)
    fig = go.Figure()
    for method, values in losses.items():
        label = method_label(method, lang=lang)
        fig.add_trace(go.Scatter(x=bands[:len(values)], y=values, mode="lines+markers", name=label,
                                 line=dict(color=COLOURS[method], width=3), marker=dict(size=10),
                                 hovertemplate=t("long_context.viz.loss_hover", lang, method=label, band="%{x}",
                                                 loss="%{y:.2f}") + "<extra></extra>"))
    fig.add_vrect(x0=-0.5, x1=0.5, fillcolor=palette.BLUE, opacity=0.08, line_width=0,
                  annotation_text=t("long_context.viz.trained_band", lang), annotation_position="top left")
    fig.update_xaxes(title=t("long_context.viz.positions_axis", lang), type="category")
    fig.update_yaxes(title=t("long_context.viz.loss_axis", lang), rangemode="tozero")
    fig.update_layout(font=FONT, height=480, legend=dict(orientation="h", y=-0.22))
    return fig
