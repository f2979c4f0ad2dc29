"""SwiGLU, the feed-forward network of every LLaMA block: FFN(x) = w2( silu(w1 x) * (w3 x) ).

Pure functions: captured activations of one token [F] in, numbers and plotly figures out.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
import torch
import torch.nn.functional as F
from plotly.subplots import make_subplots

from ..config import PRESETS, ModelConfig, ffn_hidden_dim
from ..i18n import t
from .tokens import as_numpy, classroom_style, plotly_text

# The activations a student meets in papers, all from torch itself (GELU: the exact erf form).
ACTIVATIONS = {"SiLU / Swish": F.silu, "ReLU": F.relu, "GELU": F.gelu}


def activation_curves(low: float = -6.0, high: float = 6.0, n: int = 481) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    x = torch.linspace(low, high, n)
    return x.numpy(), {name: fn(x).numpy() for name, fn in ACTIVATIONS.items()}


def silu_minimum() -> tuple[float, float]:
    """Where silu(z) = z * sigmoid(z) is lowest, and its value there.

    silu'(z) = sigmoid(z) * (1 + z * (1 - sigmoid(z))) is zero where 1 + z (1 - sigmoid(z)) = 0; Newton's method
    on that from z = -1. At that point sigmoid(z) = 1 + 1/z, so the minimum value is z + 1.
    """
    z = -1.0
    for _ in range(50):
        s = 1 / (1 + math.exp(-z))
        f = 1 + z * (1 - s)
        df = (1 - s) - z * s * (1 - s)
        z -= f / df
    return z, z / (1 + math.exp(-z))


def activation_curves_figure(gate: torch.Tensor | None = None, *, lang: str = "en") -> go.Figure:
    """SiLU, ReLU and GELU on [-6, 6]; optionally one token's gate values [F] as dots on the SiLU curve.
    The functions' names are names in every language; the minimum's coordinates are a point, not prose."""
    x, curves = activation_curves()
    fig = go.Figure()
    dashes = {"SiLU / Swish": "solid", "ReLU": "dash", "GELU": "dot"}  # tell them apart without colour too
    for name, y in curves.items():
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name, line=dict(width=3, dash=dashes[name]),
                                 hovertemplate="z = %{x:.2f}<br>%{y:.4f}<extra>" + name + "</extra>"))
    if gate is not None:
        g = gate.detach().float().cpu()
        fig.add_trace(go.Scatter(x=g.numpy(), y=F.silu(g).numpy(), mode="markers", name=t("viz.ffn.gates", lang),
                                 marker=dict(size=7, color="rgba(128,128,128,0.55)"),
                                 hovertemplate=t("viz.ffn.gate_hover", lang, gate="%{x:.3f}", silu="%{y:.3f}")
                                               + "<extra></extra>"))
    z_min, y_min = silu_minimum()
    fig.add_trace(go.Scatter(x=[z_min], y=[y_min], mode="markers+text", name=t("viz.ffn.silu_minimum", lang),
                             marker=dict(size=12, symbol="x"), text=[f"({z_min:.3f}, {y_min:.3f})"],
                             textposition="bottom center",
                             hovertemplate=t("viz.ffn.minimum", lang) + "<br>z = %{x:.4f}<br>%{y:.4f}<extra></extra>"))
    fig.update_layout(title=t("viz.ffn.curves.title", lang), xaxis=dict(title="z", range=[-6, 6]),
                      yaxis=dict(title=t("viz.ffn.curves.y", lang), range=[-0.6, 3]),
                      legend=dict(orientation="h", y=-0.2))
    return classroom_style(fig, height=500)


def gate_summary(act: torch.Tensor, threshold: float = 0.05) -> dict[str, float]:
    """How many of the F units the gate lets through, for one token.   act = silu(gate): [F]

    "small": |silu(gate)| < threshold * max |silu(gate)|, i.e. the unit is (nearly) switched off.
    """
    a = act.detach().float().cpu()
    largest = a.abs().max().item()
    small = int((a.abs() < threshold * largest).sum())
    return {"units": a.numel(), "small": small, "large": a.numel() - small, "negative": int((a < 0).sum()),
            "most negative": a.min().item(), "largest |silu|": largest}


FFN_HOOKS = ("hook_gate", "hook_act", "hook_up", "hook_hidden")  # w1 x, silu(w1 x), w3 x, their product


def ffn_capture(cache: dict[str, torch.Tensor], layer: int, position: int) -> tuple[torch.Tensor, ...]:
    """(gate, silu(gate), up, product) of one token in one layer's feed-forward, each [F]."""
    return tuple(cache[f"layers.{layer}.feed_forward.{hook}"][0, position] for hook in FFN_HOOKS)


SORT_ORDERS = ("gate", "product", "unit index")
_SORT_KEYS = {"gate": "gate", "product": "product", "unit index": "unit_index"}  # SORT_ORDERS -> viz.yaml key


def unit_order(gate: torch.Tensor, hidden: torch.Tensor, sort_by: str) -> np.ndarray:
    """Unit indices in the order the strips are drawn (descending gate or product, or as stored)."""
    if sort_by == "unit index":
        return np.arange(gate.numel())
    key = gate if sort_by == "gate" else hidden
    return torch.argsort(key.detach().float().cpu(), descending=True).numpy()


def sort_order_name(sort_by: str, *, lang: str = "en") -> str:
    """One of SORT_ORDERS in words of the language (the value itself stays the key the code compares)."""
    return t(f"viz.ffn.sort.{_SORT_KEYS[sort_by]}", lang)


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
        trace = (go.Bar(x=rank, y=y, customdata=order, hovertemplate=hover) if len(order) <= 4096 else
                 go.Scatter(x=rank, y=y, customdata=order, mode="lines", fill="tozeroy", hovertemplate=hover))
        fig.add_trace(trace, row=row, col=1)
    fig.update_layout(title=plotly_text(title), showlegend=False, bargap=0)
    x_title = t("viz.ffn.units.as_stored", lang) if sort_by == "unit index" else \
        t("viz.ffn.units.sorted", lang, order=sort_order_name(sort_by, lang=lang))
    fig.update_xaxes(title_text=x_title, row=4, col=1)
    return classroom_style(fig, height=780)


# ---- how wide is F? ----------------------------------------------------------------------------------------------
SIZING_EXAMPLES = ("llama-7b", "llama-2-70b", "llama-3-8b")


def sizing_row(name: str, cfg: ModelConfig) -> dict:
    """Meta's rule step by step: 4d, then int(2 * 4d / 3), then * multiplier, rounded up to multiple_of."""
    return {"model": name, "d (dim)": cfg.dim, "4d": 4 * cfg.dim, "int(2·4d/3)": int(2 * 4 * cfg.dim / 3),
            "ffn_dim_multiplier": str(cfg.ffn_dim_multiplier or "none"), "multiple_of": cfg.multiple_of,
            "F by the rule": ffn_hidden_dim(cfg.dim, cfg.multiple_of, cfg.ffn_dim_multiplier),
            "F in the model": cfg.hidden_dim}


def sizing_rows(loaded: ModelConfig, loaded_name: str = "loaded model") -> list[dict]:
    return [sizing_row(loaded_name, loaded)] + [sizing_row(name, PRESETS[name]) for name in SIZING_EXAMPLES]


def ffn_parameter_counts(dim: int) -> dict[str, float]:
    """Weights per layer: a classic two-matrix FFN of width 4d vs SwiGLU's three matrices of width 2/3 * 4d."""
    return {"two matrices, width 4d": 2 * dim * 4 * dim, "three matrices, width 8d/3": 3 * dim * (8 * dim / 3)}
