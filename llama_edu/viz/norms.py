"""RMSNorm next to LayerNorm: one real token vector through both, their statistics, their cost.

The comparisons run the model's own modules (`llama_edu.RMSNorm`, `llama_edu.LayerNorm`), never a re-typed copy
of their formulas, so what the page shows is what the model computes.
"""

from __future__ import annotations

import time

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..i18n import t
from ..model import LayerNorm, RMSNorm
from .tokens import as_numpy, classroom_style, plotly_text

FINAL_NORM = "norm"  # the module path of the RMSNorm after the last block


def norm_path(which: str, layer: int) -> str:
    """Module path of a norm: "attention_norm"/"ffn_norm" of a layer, or the final "norm"."""
    return FINAL_NORM if which == FINAL_NORM else f"layers.{layer}.{which}"


def vector_stats(x: torch.Tensor) -> dict[str, float]:
    """Mean, biased variance (divide by D, as LayerNorm does) and root mean square of a vector [D]."""
    x = x.detach().float().cpu()
    return {"mean": x.mean().item(), "variance": x.var(unbiased=False).item(), "RMS": x.pow(2).mean().sqrt().item()}


def norm_capture(cache: dict[str, torch.Tensor], path: str, position: int) -> dict[str, torch.Tensor]:
    """One token's captured steps through the norm at `path`: "in", "normalized", "out" (each [D]) and "rms" ([])."""
    captured = {step: cache[f"{path}.hook_{step}"][0, position] for step in ("in", "normalized", "out")}  # [D]
    captured["rms"] = cache[f"{path}.hook_rms"][0, position, 0]  # []: hook_rms is [B, T, 1]
    return captured


# ---- both norms on one vector --------------------------------------------------------------------------------
def rms_norm_like(norm: RMSNorm, unit_gain: bool = False) -> RMSNorm:
    """A standalone copy of a model's RMSNorm (same eps, same learned gain, or a gain of ones)."""
    copy = RMSNorm(norm.weight.numel(), norm.eps)
    with torch.no_grad():
        copy.weight.copy_(torch.ones_like(norm.weight) if unit_gain else norm.weight.detach().float().cpu())
    return copy


def layer_norm_like(norm: RMSNorm, unit_gain: bool = False) -> LayerNorm:
    """A LayerNorm with the RMSNorm's eps and gain and a zero bias: the only difference left is the centering.

    LLaMA has no trained LayerNorm to compare with, so it borrows the RMSNorm's gain g (b = 0).
    """
    layer_norm = LayerNorm(norm.weight.numel(), norm.eps)
    with torch.no_grad():
        layer_norm.weight.copy_(torch.ones_like(norm.weight) if unit_gain else norm.weight.detach().float().cpu())
        layer_norm.bias.zero_()
    return layer_norm


@torch.no_grad()
def compare_norms(x: torch.Tensor, norm: RMSNorm, shift: float = 0.0, scale: float = 1.0) -> dict[str, torch.Tensor]:
    """Run one vector x [D] through RMSNorm and LayerNorm after changing it to x' = scale * (x + shift * RMS(x)).

    Returns float32 tensors [D]: "input" x', each norm's output with the gain ("rms_out", "layer_out") and
    before it ("rms_unit", "layer_unit"), and the outputs for the unchanged x ("rms_original", "layer_original").
    """
    x = x.detach().float().cpu()
    changed = scale * (x + shift * x.pow(2).mean().sqrt())
    rms, layer = rms_norm_like(norm), layer_norm_like(norm)
    rms_unit, layer_unit = rms_norm_like(norm, unit_gain=True), layer_norm_like(norm, unit_gain=True)
    run = lambda module, v: module(v[None, None])[0, 0]  # modules take [B, T, D]
    return {"input": changed, "rms_out": run(rms, changed), "layer_out": run(layer, changed),
            "rms_unit": run(rms_unit, changed), "layer_unit": run(layer_unit, changed),
            "rms_original": run(rms, x), "layer_original": run(layer, x)}


def output_changes(result: dict[str, torch.Tensor]) -> dict[str, float]:
    """Largest change of one output dimension caused by the shift and scale: {"rms": ..., "layer": ...}."""
    return {k: (result[f"{k}_out"] - result[f"{k}_original"]).abs().max().item() for k in ("rms", "layer")}


def comparison_stats(result: dict[str, torch.Tensor]) -> list[dict]:
    """Rows for a table: statistics of x' and of both normalised vectors (before the gain)."""
    rows = [("x' (input)", result["input"]), ("RMSNorm, before gain: x' / RMS", result["rms_unit"]),
            ("LayerNorm, before gain: (x' - mean) / std", result["layer_unit"])]
    return [{"vector": name, **{k: float(f"{v:.4g}") for k, v in vector_stats(x).items()}} for name, x in rows]


# ---- figures -----------------------------------------------------------------------------------------------------
def _bars(fig, row, y, name, color=None, opacity=1.0, lang="en"):
    hover = t("viz.hover.dimension", lang, dim="%{x}") + "<br>%{y:.4f}<extra>" + name + "</extra>"
    fig.add_trace(go.Bar(x=np.arange(len(y)), y=y, name=name, marker_color=color, opacity=opacity,
                         hovertemplate=hover), row=row, col=1)


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
    return classroom_style(fig, height=760)


def shift_scale_figure(result: dict[str, torch.Tensor], *, lang: str = "en") -> go.Figure:
    """x', then RMSNorm(x') and LayerNorm(x') each over its output for the unchanged x (faint)."""
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                        subplot_titles=[t("viz.norms.shift_scale.input", lang), "RMSNorm(x')", "LayerNorm(x')"])
    _bars(fig, 1, as_numpy(result["input"]), "x'", "#636efa", lang=lang)
    for row, key, color in [(2, "rms", "#ef553b"), (3, "layer", "#00a67e")]:
        _bars(fig, row, as_numpy(result[f"{key}_original"]), t("viz.norms.shift_scale.unchanged", lang), "gray",
              opacity=0.45, lang=lang)
        _bars(fig, row, as_numpy(result[f"{key}_out"]), t("viz.norms.shift_scale.changed", lang), color, lang=lang)
    fig.update_layout(showlegend=False, barmode="overlay", bargap=0.1, title=t("viz.norms.shift_scale.title", lang))
    fig.update_xaxes(title_text=t("viz.axis.dimension", lang), row=3, col=1)
    return classroom_style(fig, height=640)


def residual_rms_by_layer(cache: dict[str, torch.Tensor], n_layers: int, position: int) -> dict[str, list[float]]:
    """RMS, layer by layer for one token, of the residual stream and of what the norms hand to each sub-layer."""
    def rms(name):
        return cache[name][0, position].float().pow(2).mean().sqrt().item()
    series = {"residual stream (hook_resid_post)": [], "attention_norm input normalised (hook_normalized)": [],
              "attention_norm output (hook_out)": [], "ffn_norm output (hook_out)": []}
    for i in range(n_layers):
        series["residual stream (hook_resid_post)"].append(rms(f"layers.{i}.hook_resid_post"))
        series["attention_norm input normalised (hook_normalized)"].append(
            rms(f"layers.{i}.attention_norm.hook_normalized"))
        series["attention_norm output (hook_out)"].append(rms(f"layers.{i}.attention_norm.hook_out"))
        series["ffn_norm output (hook_out)"].append(rms(f"layers.{i}.ffn_norm.hook_out"))
    return series


# residual_rms_by_layer's series names -> viz.yaml keys. The names stay English: they are the dict's keys, read
# by name; the figure shows them in the language. A series the caller adds keeps its own name.
_SERIES_KEYS = {"residual stream (hook_resid_post)": "residual",
                "attention_norm input normalised (hook_normalized)": "attention_normalized",
                "attention_norm output (hook_out)": "attention_out", "ffn_norm output (hook_out)": "ffn_out"}


def series_name(name: str, *, lang: str = "en") -> str:
    """A residual_rms_by_layer series name in words of the language."""
    return t(f"viz.norms.series.{_SERIES_KEYS[name]}", lang) if name in _SERIES_KEYS else name


def residual_rms_figure(series: dict[str, list[float]], token_label: str, *, lang: str = "en") -> go.Figure:
    fig = go.Figure()
    for name, values in series.items():
        shown = series_name(name, lang=lang)
        hover = t("viz.label.layer", lang, layer="%{x}") + "<br>RMS %{y:.4f}<extra>" + shown + "</extra>"
        fig.add_trace(go.Scatter(x=list(range(len(values))), y=values, mode="lines+markers", name=shown,
                                 hovertemplate=hover))
    fig.update_layout(title=t("viz.norms.residual.title", lang, token=plotly_text(token_label)),
                      xaxis=dict(title=t("viz.axis.layer", lang), dtick=1),
                      yaxis=dict(title=t("viz.norms.residual.y", lang), type="log"),
                      legend=dict(orientation="h", y=-0.25))
    return classroom_style(fig, height=500)


# ---- cost --------------------------------------------------------------------------------------------------------
def norm_operation_counts(dim: int) -> list[dict]:
    """Floating-point operations per token of each module's forward, as written in llama_edu/model.py."""
    d = dim
    rms = {"square x": d, "sum + divide (mean of squares)": d, "+ eps, sqrt": 2, "divide by RMS": d, "× gain": d}
    layer = {"sum + divide (mean)": d, "subtract mean": d, "square": d, "sum + divide (variance)": d,
             "+ eps, sqrt": 2, "divide by std": d, "× gain": d, "+ bias": d}
    return [{"norm": "RMSNorm", "statistics": 1, "passes over x for statistics": 1, "parameters": d,
             "operations": sum(rms.values()), "steps": ", ".join(rms)},
            {"norm": "LayerNorm", "statistics": 2, "passes over x for statistics": 2, "parameters": 2 * d,
             "operations": sum(layer.values()), "steps": ", ".join(layer)}]


@torch.no_grad()
def time_norms(dim: int, n_tokens: int = 256, repeats: int = 50, eps: float = 1e-5,
               budget_s: float = 0.3) -> dict[str, float]:
    """Median milliseconds of one forward pass of RMSNorm and of LayerNorm on a [1, n_tokens, dim] tensor (CPU).

    Stops early after budget_s seconds, so a busy server still answers the page quickly.
    """
    x = torch.randn(1, n_tokens, dim, generator=torch.Generator().manual_seed(0))
    modules = {"RMSNorm": RMSNorm(dim, eps), "LayerNorm": LayerNorm(dim, eps)}
    samples = {name: [] for name in modules}
    for module in modules.values():
        module(x)  # warm-up: the first call allocates
    deadline = time.perf_counter() + budget_s
    for _ in range(repeats):  # alternate the two so a burst of load elsewhere hits both alike
        if time.perf_counter() > deadline:
            break
        for name, module in modules.items():
            start = time.perf_counter()
            module(x)
            samples[name].append(time.perf_counter() - start)
    return {name: 1000 * float(np.median(times)) for name, times in samples.items()}
