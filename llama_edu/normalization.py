"""RMSNorm next to LayerNorm: one real token vector through both, their statistics, and their cost.

The norms and their equations are llama_edu.model.RMSNorm and LayerNorm. The comparisons here run those modules,
never a re-typed copy of their formulas, so what the page shows is what the model computes; the captures read here
are an RMSNorm's hooks (hook_in, hook_rms, hook_normalized, hook_out).
"""

from __future__ import annotations

import time

import numpy as np
import torch

from .i18n import t
from .model import LayerNorm, RMSNorm

FINAL_NORM = "norm"  # the module path of the RMSNorm after the last block


# ---- reading the captures ------------------------------------------------------------------------------------
def norm_path(which: str, layer: int) -> str:
    """Module path of a norm: "attention_norm"/"ffn_norm" of a layer, or the final "norm"."""
    return FINAL_NORM if which == FINAL_NORM else f"layers.{layer}.{which}"


def norm_capture(cache: dict[str, torch.Tensor], path: str, position: int) -> dict[str, torch.Tensor]:
    """One token's captured steps through the norm at `path`: "in", "normalized", "out" (each [D]) and "rms" ([])."""
    captured = {step: cache[f"{path}.hook_{step}"][0, position] for step in ("in", "normalized", "out")}  # [D]
    captured["rms"] = cache[f"{path}.hook_rms"][0, position, 0]  # []: hook_rms is [B, T, 1]
    return captured


def vector_stats(x: torch.Tensor) -> dict[str, float]:
    """Mean, biased variance (divide by D, as LayerNorm does) and root mean square of a vector [D]."""
    x = x.detach().float().cpu()
    return {"mean": x.mean().item(), "variance": x.var(unbiased=False).item(), "RMS": x.pow(2).mean().sqrt().item()}


def residual_rms_by_layer(cache: dict[str, torch.Tensor], n_layers: int, position: int) -> dict[str, list[float]]:
    """RMS, layer by layer for one token, of the residual stream and of what the norms hand to each sub-layer.
    The series' names say which hook each is read from; they are keys, English in every language."""
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


# ---- cost --------------------------------------------------------------------------------------------------------
def norm_operation_counts(dim: int, *, lang: str = "en") -> list[dict]:
    """Floating-point operations per token of each module's forward, as written in llama_edu/model.py, with the
    steps counted named in the reader's language (cells.norm_step.<step> in llama_edu/strings/cells.yaml)."""
    d = dim
    rms = {"square_x": d, "mean_of_squares": d, "eps_sqrt": 2, "divide_by_rms": d, "gain": d}
    layer = {"mean": d, "subtract_mean": d, "square": d, "variance": d, "eps_sqrt": 2, "divide_by_std": d, "gain": d,
             "bias": d}

    def steps(counted: dict[str, int]) -> str:
        return ", ".join(t(f"cells.norm_step.{step}", lang) for step in counted)

    return [{"norm": "RMSNorm", "statistics": 1, "passes_over_x": 1, "parameters": d,
             "operations": sum(rms.values()), "steps": steps(rms)},
            {"norm": "LayerNorm", "statistics": 2, "passes_over_x": 2, "parameters": 2 * d,
             "operations": sum(layer.values()), "steps": steps(layer)}]


@torch.no_grad()
def time_norms(dim: int, n_tokens: int = 256, repeats: int = 50, eps: float = 1e-5,
               budget_s: float = 0.3) -> dict[str, float]:
    """Median milliseconds of one forward pass of RMSNorm and of LayerNorm on a [1, n_tokens, dim] tensor (CPU).

    Stops early after budget_s seconds, so a busy server still answers the page quickly.
    """
    x = torch.randn(1, n_tokens, dim, generator=torch.Generator().manual_seed(0))  # [1, T, D]
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
