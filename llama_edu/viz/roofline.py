"""Figures of what limits inference speed: FLOPs per byte of a matrix product, GPUs' rooflines, the time of a
decode step spent reading against computing, and tokens per second against the batch size.

The numbers come from llama_edu.roofline (arithmetic on the presets' configs and the GPUs' datasheet figures); the
functions here only draw what they are given.
"""

from __future__ import annotations

import plotly.graph_objects as go

from ..i18n import t
from ..roofline import GPU
from . import palette
from .labels import localized_figure, number

FONT = {"size": 15}
GPU_COLORS = [palette.BLUE, palette.ORANGE, palette.BLUISH_GREEN, palette.REDDISH_PURPLE]
LINE_COLORS = [palette.BLUE, palette.ORANGE, palette.VERMILLION, palette.BLUISH_GREEN, palette.REDDISH_PURPLE]
READ, COMPUTE = palette.BLUE, palette.ORANGE


def _flat_line(fig: go.Figure, x0: float, x1: float, y: float, name: str, colour: str) -> None:
    """A dashed horizontal line as a trace, named in the legend (a shape on a log axis would want log10 values)."""
    fig.add_trace(go.Scatter(x=[x0, x1], y=[y, y], mode="lines", name=name, line={"color": colour, "dash": "dash"},
                             hoverinfo="name"))


@localized_figure
def intensity_figure(tokens: list[int], intensities: list[float], gpus: dict[str, GPU], k: int, n: int, *,
                     lang: str = "en") -> go.Figure:
    """FLOPs per byte of a k x n weight matrix applied to m tokens at once, against m (log-log), with each GPU's
    ridge point: below its line a product of that many tokens waits for memory on that GPU."""
    hover = t("inference.viz.intensity_hover", lang, m="%{x:,}", intensity="%{y:,.2f}")
    fig = go.Figure(go.Scatter(x=tokens, y=intensities, mode="lines+markers", line={"color": "black"},
                               name=t("inference.viz.intensity_name", lang, k=number(k, ",", lang=lang),
                                      n=number(n, ",", lang=lang)),
                               hovertemplate=hover + "<extra></extra>"))
    for i, gpu in enumerate(gpus.values()):
        _flat_line(fig, min(tokens), max(tokens), gpu.ridge,
                   t("inference.viz.ridge_label", lang, gpu=gpu.name, ridge=number(gpu.ridge, ",.0f", lang=lang)),
                   GPU_COLORS[i % len(GPU_COLORS)])
    fig.update_xaxes(type="log", title=t("inference.viz.tokens_x", lang))
    fig.update_yaxes(type="log", title=t("inference.viz.intensity_y", lang))
    fig.update_layout(font=FONT, height=500, legend={"orientation": "h", "y": -0.22})
    return fig


@localized_figure
def roofline_figure(gpus: dict[str, GPU], points: dict[str, float], *, lang: str = "en") -> go.Figure:
    """Attainable TFLOP/s against arithmetic intensity (log-log) for each GPU: a slope (bandwidth x intensity) up
    to the ridge point, flat at the peak after it. `points`: {what: its intensity}, each a marker on every GPU's
    roof, named in the legend."""
    low = min([0.25, *(v / 2 for v in points.values())])
    high = max([4 * max(g.ridge for g in gpus.values()), *(2 * v for v in points.values())])
    fig = go.Figure()
    for i, gpu in enumerate(gpus.values()):
        xs = [low, gpu.ridge, high]
        fig.add_trace(go.Scatter(
            x=xs, y=[gpu.attainable(x) / 1e12 for x in xs], mode="lines", name=gpu.name,
            line={"color": GPU_COLORS[i % len(GPU_COLORS)], "width": 3},
            hovertemplate=t("inference.viz.roof_hover", lang, gpu=gpu.name, intensity="%{x:,.1f}",
                            tflops="%{y:,.1f}") + "<extra></extra>"))
    for symbol, (what, intensity) in zip(("circle", "square", "diamond", "triangle-up", "x"), points.items()):
        fig.add_trace(go.Scatter(
            x=[intensity] * len(gpus), y=[gpu.attainable(intensity) / 1e12 for gpu in gpus.values()],
            mode="markers", name=what, marker={"symbol": symbol, "size": 12, "color": "black"},
            customdata=list(gpus), hovertemplate=t("inference.viz.point_hover", lang, what=what, gpu="%{customdata}",
                                                   intensity="%{x:,.1f}", tflops="%{y:,.1f}") + "<extra></extra>"))
    fig.update_xaxes(type="log", title=t("inference.viz.intensity_x", lang))
    fig.update_yaxes(type="log", title=t("inference.viz.tflops_y", lang))
    fig.update_layout(font=FONT, height=520, legend={"orientation": "h", "y": -0.2})
    return fig


@localized_figure
def time_split_figure(rows: dict[str, tuple[float, float]], title: str = "", *, lang: str = "en") -> go.Figure:
    """Per GPU {name: (seconds to read the step's bytes, seconds to compute its FLOPs)}: two bars in ms, each
    written out; the step takes the longer of the two."""
    names = list(rows)
    reads = [rows[n][0] * 1000 for n in names]
    computes = [rows[n][1] * 1000 for n in names]
    fig = go.Figure()
    for values, key, colour in ((reads, "inference.viz.reading", READ), (computes, "inference.viz.computing", COMPUTE)):
        fig.add_trace(go.Bar(y=names, x=values, orientation="h", name=t(key, lang), marker_color=colour,
                             text=[number(v, ".3f", lang=lang) + " ms" for v in values], textposition="outside",
                             hovertemplate="%{y}: %{x:.4f} ms<extra>%{fullData.name}</extra>"))
    fig.update_xaxes(title=t("inference.viz.ms_per_step", lang), range=[0, 1.3 * max(reads + computes + [1e-9])])
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_layout(barmode="group", font=FONT, height=180 + 70 * len(names), title=title,
                      legend={"orientation": "h", "y": -0.25})
    return fig


@localized_figure
def batch_throughput_figure(curves: dict[str, tuple[list[int], list[float]]], ceiling: float, one_sequence: float,
                            *, lang: str = "en") -> go.Figure:
    """Tokens per second (all sequences together) against the batch size, log-log, one line per {name: (batches,
    tokens/s)}; each line stops at the largest batch whose caches fit beside the weights (the caller cuts it there).
    Dashed: the compute ceiling (peak FLOP/s over the FLOPs of one token) and batch x one sequence's bound."""
    fig = go.Figure()
    top = 0
    for i, (name, (batches, rates)) in enumerate(curves.items()):
        if not batches:
            continue
        top = max(top, batches[-1])
        fig.add_trace(go.Scatter(
            x=batches, y=rates, mode="lines+markers", name=name, line={"color": LINE_COLORS[i % len(LINE_COLORS)]},
            hovertemplate=t("inference.viz.batch_hover", lang, name=name, batch="%{x:,}", rate="%{y:,.0f}")
            + "<extra></extra>"))
    top = max(top, 2)
    fig.add_trace(go.Scatter(x=[1, top], y=[one_sequence, one_sequence * top], mode="lines",
                             line={"color": "#555555", "dash": "dot"}, name=t("inference.viz.shared_reads", lang),
                             hoverinfo="skip"))
    _flat_line(fig, 1, top, ceiling, t("inference.viz.compute_ceiling", lang, rate=number(ceiling, ",.0f", lang=lang)),
               "black")
    fig.update_xaxes(type="log", title=t("inference.viz.batch_x", lang))
    fig.update_yaxes(type="log", title=t("inference.viz.tokens_per_s_y", lang))
    fig.update_layout(font=FONT, height=500, legend={"orientation": "h", "y": -0.22})
    return fig
