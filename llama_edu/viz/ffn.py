"""SwiGLU, the feed-forward network of every LLaMA block, as figures: FFN(x) = w2( silu(w1 x) * (w3 x) ).

Captured activations of one token [F] in, plotly figures out. The numbers (the activation curves, SiLU's minimum,
the units' order) come from llama_edu.ffn.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from plotly.subplots import make_subplots

from ..ffn import activation_curves, silu_minimum, unit_order
from ..i18n import t
from .tokens import as_numpy, classroom_style, plotly_text
from . import palette
from .labels import localized_figure, number


@localized_figure
def activation_curves_figure(gate: torch.Tensor | None = None, *, lang: str = "en") -> go.Figure:
    """SiLU, ReLU and GELU on [-6, 6]; optionally one token's gate values [F] as dots on the SiLU curve.
    The functions' names are names in every language; the minimum's coordinates are a point, not prose."""
    x, curves = activation_curves()
    fig = go.Figure()
    dashes = {"SiLU / Swish": "solid", "ReLU": "dash", "GELU": "dot"}  # tell them apart without colour too
    colours = {"SiLU / Swish": palette.BLUE, "ReLU": palette.VERMILLION, "GELU": palette.BLUISH_GREEN}
    for name, y in curves.items():
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name, line=dict(width=3, dash=dashes[name],
                                                                            color=colours[name]),
                                 hovertemplate="z = %{x:.2f}<br>%{y:.4f}<extra>" + name + "</extra>"))
    if gate is not None:
        g = gate.detach().float().cpu()
        fig.add_trace(go.Scatter(x=g.numpy(), y=F.silu(g).numpy(), mode="markers", name=t("viz.ffn.gates", lang),
                                 marker=dict(size=7, color="rgba(128,128,128,0.55)"),
                                 hovertemplate=t("viz.ffn.gate_hover", lang, gate="%{x:.3f}", silu="%{y:.3f}")
                                               + "<extra></extra>"))
    z_min, y_min = silu_minimum()
    # German writes decimal commas, so its coordinates are separated by a semicolon.
    minimum_text = f"({number(z_min, '.3f', lang=lang)}{'; ' if lang == 'de' else ', '}{number(y_min, '.3f', lang=lang)})"
    fig.add_trace(go.Scatter(x=[z_min], y=[y_min], mode="markers+text", name=t("viz.ffn.silu_minimum", lang),
                             marker=dict(size=12, symbol="x", color=palette.BLACK), text=[minimum_text],
                             textposition="bottom center",
                             hovertemplate=t("viz.ffn.minimum", lang) + "<br>z = %{x:.4f}<br>%{y:.4f}<extra></extra>"))
    fig.update_layout(title=t("viz.ffn.curves.title", lang), xaxis=dict(title="z", range=[-6, 6]),
                      yaxis=dict(title=t("viz.ffn.curves.y", lang), range=[-0.6, 3]),
                      legend=dict(orientation="h", y=-0.2))
    return classroom_style(fig, height=500)


# llama_edu.ffn.SORT_ORDERS -> viz.yaml keys
_SORT_KEYS = {"gate": "gate", "product": "product", "unit index": "unit_index"}


def sort_order_name(sort_by: str, *, lang: str = "en") -> str:
    """One of llama_edu.ffn.SORT_ORDERS in words of the language (the value itself stays the key the code compares)."""
    return t(f"viz.ffn.sort.{_SORT_KEYS[sort_by]}", lang)


@localized_figure
def swiglu_units_figure(gate: torch.Tensor, act: torch.Tensor, up: torch.Tensor, hidden: torch.Tensor,
                        sort_by: str = "gate", title: str = "", *, lang: str = "en") -> go.Figure:
    """Four strips over the F hidden units of one token, all in the same unit order.   each input: [F]

    The panel titles are formulas with hook names (gate and up are the variables' names), the same in every
    language; the caller's title is shown as given."""
    order = unit_order(gate, hidden, sort_by)
    panels = [("gate = w1 x (hook_gate)", gate), ("silu(gate) (hook_act)", act), ("up = w3 x (hook_up)", up),
              ("silu(gate) ⊙ up (hook_hidden)", hidden)]
    fig = make_subplots(rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[name for name, _ in panels])
    rank = np.arange(len(order))
    for row, (name, values) in enumerate(panels, start=1):
        y = as_numpy(values)[order]
        hover = t("viz.ffn.unit_hover", lang, unit="%{customdata}") + "<br>%{y:.4f}<extra>" + name + "</extra>"
        trace = (go.Bar(x=rank, y=y, customdata=order, hovertemplate=hover, marker_color=palette.BLUE)
                 if len(order) <= 4096 else
                 go.Scatter(x=rank, y=y, customdata=order, mode="lines", fill="tozeroy", hovertemplate=hover,
                            line_color=palette.BLUE))
        fig.add_trace(trace, row=row, col=1)
    fig.update_layout(title=plotly_text(title), showlegend=False, bargap=0)
    x_title = t("viz.ffn.units.as_stored", lang) if sort_by == "unit index" else \
        t("viz.ffn.units.sorted", lang, order=sort_order_name(sort_by, lang=lang))
    fig.update_xaxes(title_text=x_title, row=4, col=1)
    return classroom_style(fig, height=780)
