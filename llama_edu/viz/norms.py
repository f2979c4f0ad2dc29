"""RMSNorm next to LayerNorm as figures: one token's captured steps through a norm, both norms on a shifted and
scaled vector, and the RMS of the residual stream layer by layer.

The numbers come from llama_edu.normalization (the model's own modules run on real captures); this module only
draws them.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..i18n import t
from ..normalization import output_changes, vector_stats
from .tokens import as_numpy, classroom_style, plotly_text
from . import palette, summary
from .labels import localized_figure


# ---- tables ------------------------------------------------------------------------------------------------------
COMPARED_VECTORS = ("input", "rms_unit", "layer_unit")  # keys of compare_norms' result; named viz.norms.vector.<key>


def comparison_stats(result: dict[str, torch.Tensor], *, lang: str = "en") -> list[dict]:
    """Rows for a table: statistics of x' and of both normalised vectors (before the gain), from
    llama_edu.normalization.compare_norms' result, each vector named in the reader's language."""
    return [{"vector": t(f"viz.norms.vector.{key}", lang),
             **{stat.lower(): value for stat, value in vector_stats(result[key]).items()}}  # "RMS" -> "rms"
            for key in COMPARED_VECTORS]


# ---- figures -----------------------------------------------------------------------------------------------------
def _bars(fig, row, y, name, color=palette.BLUE, opacity=1.0, lang="en"):
    hover = t("viz.hover.dimension", lang, dim="%{x}") + "<br>%{y:.4f}<extra>" + name + "</extra>"
    fig.add_trace(go.Bar(x=np.arange(len(y)), y=y, name=name, marker_color=color, opacity=opacity,
                         hovertemplate=hover), row=row, col=1)


@localized_figure
def norm_steps_figure(x_in: torch.Tensor, normalized: torch.Tensor, gain: torch.Tensor, out: torch.Tensor,
                      title: str, *, lang: str = "en") -> go.Figure:
    """The captured steps of one RMSNorm for one token, each [D]: hook_in, hook_normalized, weight, hook_out.
    Formulas and hook names stay as they are in every language; the caller's title is shown as given."""
    panels = [("x (hook_in)", x_in), ("x / RMS(x) (hook_normalized)", normalized),
              (t("viz.norms.steps.gain", lang), gain), ("y = x / RMS(x) · g (hook_out)", out)]
    fig = make_subplots(rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[name for name, _ in panels])
    for row, (name, values) in enumerate(panels, start=1):
        _bars(fig, row, as_numpy(values), name, lang=lang)
    fig.update_layout(title=plotly_text(title), showlegend=False, bargap=0.1)
    fig.update_xaxes(title_text=t("viz.axis.dimension", lang), row=4, col=1)
    summary.with_summary(fig, summary.norm_steps_sentence(x_in, normalized, gain, out, lang=lang))
    return classroom_style(fig, height=760)


@localized_figure
def shift_scale_figure(result: dict[str, torch.Tensor], *, lang: str = "en") -> go.Figure:
    """x', then RMSNorm(x') and LayerNorm(x') each over its output for the unchanged x (faint)."""
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        subplot_titles=[t("viz.norms.shift_scale.input", lang), "RMSNorm(x')", "LayerNorm(x')"])
    _bars(fig, 1, as_numpy(result["input"]), "x'", palette.BLUE, lang=lang)
    for row, key, color in [(2, "rms", palette.VERMILLION), (3, "layer", palette.BLUISH_GREEN)]:
        _bars(fig, row, as_numpy(result[f"{key}_original"]), t("viz.norms.shift_scale.unchanged", lang), palette.GREY,
              opacity=0.45, lang=lang)
        _bars(fig, row, as_numpy(result[f"{key}_out"]), t("viz.norms.shift_scale.changed", lang), color, lang=lang)
    fig.update_layout(showlegend=False, barmode="overlay", bargap=0.1, title=t("viz.norms.shift_scale.title", lang))
    fig.update_xaxes(title_text=t("viz.axis.dimension", lang), row=3, col=1)
    summary.with_summary(fig, summary.shift_scale_sentence(output_changes(result), lang=lang))
    return classroom_style(fig, height=640)


# residual_rms_by_layer's series names -> viz.yaml keys. The names stay English: they are the dict's keys, read
# by name; the figure shows them in the language. A series the caller adds keeps its own name.
SYMBOLS = ["circle", "square", "diamond", "triangle-up", "x"]  # each series its own marker too, not only its colour
_SERIES_KEYS = {"residual stream (hook_resid_post)": "residual",
                "attention_norm input normalised (hook_normalized)": "attention_normalized",
                "attention_norm output (hook_out)": "attention_out", "ffn_norm output (hook_out)": "ffn_out"}


def series_name(name: str, *, lang: str = "en") -> str:
    """A residual_rms_by_layer series name in words of the language."""
    return t(f"viz.norms.series.{_SERIES_KEYS[name]}", lang) if name in _SERIES_KEYS else name


@localized_figure
def residual_rms_figure(series: dict[str, list[float]], token_label: str, *, lang: str = "en") -> go.Figure:
    """llama_edu.normalization.residual_rms_by_layer's series against the layer, on a log axis."""
    fig = go.Figure()
    for i, (name, values) in enumerate(series.items()):
        shown = series_name(name, lang=lang)
        hover = t("viz.label.layer", lang, layer="%{x}") + "<br>RMS %{y:.4f}<extra>" + shown + "</extra>"
        fig.add_trace(go.Scatter(x=list(range(len(values))), y=values, mode="lines+markers", name=shown,
                                 line_color=palette.category(i), marker_symbol=SYMBOLS[i % len(SYMBOLS)],
                                 hovertemplate=hover))
    fig.update_layout(title=t("viz.norms.residual.title", lang, token=plotly_text(token_label)),
                      xaxis=dict(title=t("viz.axis.layer", lang), dtick=1),
                      yaxis=dict(title=t("viz.norms.residual.y", lang), type="log"),
                      legend=dict(orientation="h", y=-0.25))
    summary.with_summary(fig, summary.rms_sentence({series_name(name, lang=lang): values
                                                    for name, values in series.items()}, lang=lang))
    return classroom_style(fig, height=500)
