"""Quantisation as figures: one weight row before and after rounding, the rounding error of each granularity, the memory
of a preset's weights and KV cache at 16, 8 and 4 bits, and what rounding does to the tiny model's loss and to its
next-token guesses.

The numbers are llama_edu.quantise's; this module only draws and words them.
"""

from __future__ import annotations

import plotly.graph_objects as go

from ..i18n import t
from ..quantise import GB, PER_CHANNEL, PER_TENSOR, Scheme, WeightMemory
from . import palette
from .labels import localized_figure, number, plotly_text

FONT = dict(size=16)
# Grey for the unrounded model or line, then Okabe-Ito for each way of rounding (palette.py).
COLOURS = [palette.GREY, palette.BLUE, palette.BLUISH_GREEN, palette.VERMILLION, palette.REDDISH_PURPLE, palette.ORANGE]
CODES_COLOUR, SCALES_COLOUR, KEPT_COLOUR = palette.BLUE, palette.VERMILLION, palette.GREY


def granularity_name(granularity: str | int, *, lang: str = "en") -> str:
    """ "per tensor", "per channel", "groups of 128" in the language."""
    if granularity == PER_TENSOR:
        return t("quantise.viz.per_tensor", lang)
    if granularity == PER_CHANNEL:
        return t("quantise.viz.per_channel", lang)
    return t("quantise.viz.groups_of", lang, size=number(granularity, ",", lang=lang))


def scheme_name(scheme: Scheme | None, *, lang: str = "en") -> str:
    """ "int4, groups of 128 (zero point)"; None: the model's own float weights."""
    if scheme is None:
        return t("quantise.viz.original", lang)
    name = t("quantise.viz.scheme", lang, bits=scheme.bits, granularity=granularity_name(scheme.granularity,
                                                                                          lang=lang))
    return name + (t("quantise.viz.with_zero_point", lang) if scheme.zero_point else "")


@localized_figure
def rounding_figure(original: list[float], rounded: dict[str, list[float]], name: str, *,
                    lang: str = "en") -> go.Figure:
    """One row of a weight matrix: each weight (x) against the value it is rounded to (y), one staircase per way of
    rounding, beside the line y = x of no rounding at all. `name` says which row (a parameter name)."""
    lo, hi = min(original), max(original)
    fig = go.Figure(go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name=t("quantise.viz.unrounded", lang),
                               line=dict(color=COLOURS[0], dash="dash"), hoverinfo="skip"))
    for colour, (label, values) in zip(COLOURS[1:], rounded.items()):
        fig.add_trace(go.Scatter(x=original, y=values, mode="markers", name=plotly_text(label),
                                 marker=dict(size=7, color=colour, opacity=0.7),
                                 hovertemplate="w = %{x:.4f}<br>w' = %{y:.4f}<extra></extra>"))
    fig.update_xaxes(title=t("quantise.viz.weight_axis", lang))
    fig.update_yaxes(title=t("quantise.viz.rounded_axis", lang))
    fig.update_layout(font=FONT, height=480, legend=dict(orientation="h", y=-0.2),
                      title=t("quantise.viz.rounding_title", lang, name=plotly_text(name), n=len(original)))
    return fig


@localized_figure
def rounding_error_figure(errors: dict[Scheme, float], *, lang: str = "en") -> go.Figure:
    """‖W' - W‖ / ‖W‖ over all of the model's quantised matrices for each granularity: one bar group per
    granularity, symmetric and with a zero point side by side."""
    fig = go.Figure()
    for colour, zero_point in ((COLOURS[1], False), (COLOURS[3], True)):
        chosen = [(s, e) for s, e in errors.items() if s.zero_point == zero_point]
        if not chosen:
            continue
        name = t("quantise.viz.zero_point" if zero_point else "quantise.viz.symmetric", lang)
        fig.add_trace(go.Bar(x=[granularity_name(s.granularity, lang=lang) for s, _ in chosen],
                             y=[e for _, e in chosen], name=name, marker_color=colour,
                             text=[number(e, ".1%", lang=lang) for _, e in chosen], textposition="outside",
                             hovertemplate="%{x}: %{y:.2%}<extra></extra>"))
    bits = sorted({s.bits for s in errors})
    fig.update_yaxes(title=t("quantise.viz.error_axis", lang), tickformat=".0%", rangemode="tozero")
    fig.update_layout(barmode="group", font=FONT, height=440, legend=dict(orientation="h", y=-0.2),
                      title=t("quantise.viz.error_title", lang, bits="/".join(str(b) for b in bits)),
                      uniformtext=dict(minsize=14, mode="show"))
    return fig


@localized_figure
def memory_figure(memories: dict[str, WeightMemory], model_name: str, *, lang: str = "en") -> go.Figure:
    """A model's weights in GB for each way of storing them, stacked: the quantised codes, their scales (and zero
    points), and what stays in 16 bits (embedding table, output layer, norms)."""
    names = [plotly_text(label) for label in memories]
    parts = [("codes", CODES_COLOUR, [m.codes for m in memories.values()]),
             ("scales", SCALES_COLOUR, [m.scales for m in memories.values()]),
             ("kept", KEPT_COLOUR, [m.kept for m in memories.values()])]
    fig = go.Figure([go.Bar(x=names, y=[v / GB for v in values], name=t(f"quantise.viz.part_{part}", lang),
                            marker_color=colour, hovertemplate="%{x}: %{y:,.3f} GB<extra></extra>")
                     for part, colour, values in parts])
    fig.add_trace(go.Scatter(x=names, y=[m.total / GB for m in memories.values()], mode="text",
                             textfont_color=palette.BLACK,
                             text=[number(m.total / GB, ",.1f", lang=lang) + " GB" for m in memories.values()],
                             textposition="top center", showlegend=False, hoverinfo="skip"))
    fig.update_yaxes(title=t("quantise.viz.gb_axis", lang), rangemode="tozero")
    fig.update_layout(barmode="stack", font=FONT, height=460, legend=dict(orientation="h", y=-0.2),
                      title=t("quantise.viz.memory_title", lang, name=plotly_text(model_name)))
    return fig


@localized_figure
def kv_memory_figure(memories: dict[str, float], weights: float, model_name: str, tokens: int, *,
                     lang: str = "en") -> go.Figure:
    """The KV cache of `tokens` tokens in each storage format (bytes), beside a line at the weights' bytes."""
    formats = list(memories)
    fig = go.Figure(go.Bar(x=formats, y=[v / GB for v in memories.values()], marker_color=COLOURS[1],
                           text=[number(v / GB, ",.2f", lang=lang) + " GB" for v in memories.values()],
                           textposition="outside", name=t("quantise.viz.kv_cache", lang),
                           hovertemplate="%{x}: %{y:,.3f} GB<extra></extra>"))
    fig.add_trace(go.Scatter(x=formats, y=[weights / GB] * len(formats), mode="lines",
                             line=dict(color=KEPT_COLOUR, dash="dash"), name=t("quantise.viz.weights_line", lang),
                             hovertemplate="%{y:,.2f} GB<extra></extra>"))
    fig.update_yaxes(title=t("quantise.viz.gb_axis", lang), rangemode="tozero")
    fig.update_layout(font=FONT, height=440, legend=dict(orientation="h", y=-0.2),
                      title=t("quantise.viz.kv_title", lang, name=plotly_text(model_name),
                              tokens=number(tokens, ",", lang=lang)), uniformtext=dict(minsize=14, mode="show"))
    return fig


@localized_figure
def loss_figure(losses: dict[str, float], *, lang: str = "en") -> go.Figure:
    """Loss (nats per token) on held-out text for each version of the model, the unrounded one first, with a dashed
    line at the unrounded loss."""
    labels = [plotly_text(label) for label in losses]
    values = list(losses.values())
    base = values[0]
    fig = go.Figure(go.Bar(x=labels, y=values, marker_color=[COLOURS[0]] + [COLOURS[1]] * (len(values) - 1),
                           text=[number(v, ".3f", lang=lang) for v in values], textposition="outside",
                           customdata=[number(v - base, "+.4f", lang=lang) for v in values],
                           hovertemplate="%{x}: %{y:.4f} (%{customdata})<extra></extra>", showlegend=False))
    fig.add_hline(y=base, line_dash="dash", line_color=COLOURS[0])
    top = max(values)
    fig.update_yaxes(title=t("quantise.viz.loss_axis", lang), range=[0.9 * min(values), top + 0.08 * top])
    fig.update_layout(font=FONT, height=440, title=t("quantise.viz.loss_title", lang),
                      uniformtext=dict(minsize=14, mode="show"))
    return fig


@localized_figure
def top_tokens_figure(pieces: list[str], probabilities: dict[str, list[float]], *, lang: str = "en") -> go.Figure:
    """Next-token probabilities of some tokens (pieces) under each version of the model: one bar group per token."""
    fig = go.Figure([go.Bar(x=[plotly_text(p) for p in pieces], y=probs, name=plotly_text(label), marker_color=colour,
                            hovertemplate="%{x}: %{y:.3f}<extra></extra>")
                     for colour, (label, probs) in zip(COLOURS, probabilities.items())])
    fig.update_yaxes(title=t("quantise.viz.probability_axis", lang), rangemode="tozero")
    fig.update_xaxes(title=t("quantise.viz.token_axis", lang))
    fig.update_layout(barmode="group", font=FONT, height=440, legend=dict(orientation="h", y=-0.25),
                      title=t("quantise.viz.top_title", lang))
    return fig
