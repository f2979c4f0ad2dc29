"""RMSNorm next to LayerNorm: one real token vector through both, their statistics, and their cost.

The norms and their equations are llama_edu.model.RMSNorm and LayerNorm. The comparisons here run those modules,
never a re-typed copy of their formulas, so what the page shows is what the model computes; the captures read here
are an RMSNorm's hooks (hook_in, hook_rms, hook_normalized, hook_out).
"""

from __future__ import annotations

import time
from functools import partial

import torch

from .i18n import t
from .model import LayerNorm, RMSNorm
from .timing import Spread, one_cpu_thread, timed_ms

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


# float32 keeps ~7 significant digits: a mean below this fraction of the vector's RMS is rounding, not signal.
FLOAT32_NOISE = 1e-6


def vector_stats(x: torch.Tensor) -> dict[str, float]:
    """Mean, biased variance (divide by D, as LayerNorm does) and root mean square of a vector [D].

    A mean smaller than FLOAT32_NOISE times the RMS is reported as 0: LayerNorm's output has a mean of exactly 0,
    which float32 computes as -0.000000004 or so, and a table should not make that look like a finding."""
    x = x.detach().float().cpu()
    mean, rms = x.mean().item(), x.pow(2).mean().sqrt().item()
    return {"mean": 0.0 if abs(mean) < FLOAT32_NOISE * rms else mean, "variance": x.var(unbiased=False).item(),
            "RMS": rms}


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
def norm_steps(dim: int) -> dict[str, dict[str, int]]:
    """Floating-point operations per token (one row of D numbers) of each module's forward, step by step in the
    order llama_edu/model.py runs them. A sum over D numbers and its division count D; eps and sqrt count 2."""
    d = dim
    return {"RMSNorm": {"square_x": d, "mean_of_squares": d, "eps_sqrt": 2, "divide_by_rms": d, "gain": d},
            "LayerNorm": {"mean": d, "subtract_mean": d, "square": d, "variance": d, "eps_sqrt": 2, "divide_by_std": d,
                          "gain": d, "bias": d}}


# The steps that reduce the row to one number (a sum over all D entries): the statistics each norm needs.
REDUCTIONS = {"mean_of_squares", "mean", "variance"}


def norm_operation_counts(dim: int) -> list[dict]:
    """Per token, for each norm: its reductions (sums over the row), the passes over x they need (LayerNorm's
    variance needs the mean first), its parameters and all its operations (norm_steps). Keys: columns.yaml."""
    rows = []
    for norm, steps in norm_steps(dim).items():
        reductions = len(REDUCTIONS & set(steps))
        rows.append({"norm": norm, "statistics": reductions, "passes_over_x": reductions,
                     "parameters": dim * (2 if "bias" in steps else 1), "operations": sum(steps.values())})
    return rows


def norm_step_rows(dim: int, *, lang: str = "en") -> list[dict]:
    """Both norms' steps (norm_steps), one row each, named in the reader's language (cells.norm_step.<step> in
    llama_edu/strings/cells.yaml), with its operations per token. Three narrow columns: they fit a projector."""
    return [{"norm": norm, "norm_step": t(f"cells.norm_step.{step}", lang), "operations": n}
            for norm, steps in norm_steps(dim).items() for step, n in steps.items()]


NORM_TIMING_ROWS = 4096  # tokens (rows) per timed call: ~1 ms of work, well above the clock's and the call's overhead


@torch.no_grad()
def time_norms(dim: int, n_tokens: int = NORM_TIMING_ROWS, repeats: int = 40, eps: float = 1e-5,
               budget_s: float = 0.5) -> dict[str, Spread]:
    """Milliseconds of one forward pass of RMSNorm and of LayerNorm on a [1, n_tokens, dim] tensor (CPU, one
    thread): each warmed up first, then the two alternated try by try, up to `repeats` tries each, stopping after
    budget_s seconds so a busy server still answers quickly. The median is the answer (llama_edu.timing)."""
    x = torch.randn(1, n_tokens, dim, generator=torch.Generator().manual_seed(0))  # [1, T, D]
    modules = {"RMSNorm": RMSNorm(dim, eps), "LayerNorm": LayerNorm(dim, eps)}
    samples: dict[str, list[float]] = {name: [] for name in modules}
    with one_cpu_thread():
        for module in modules.values():
            module(x)  # warm-up: the first call allocates
        deadline = time.perf_counter() + budget_s
        for _ in range(repeats):  # alternate the two so a burst of load elsewhere hits both alike
            for name, module in modules.items():
                samples[name].append(timed_ms(partial(module, x))[1])
            if time.perf_counter() > deadline:
                break
    return {name: Spread.of(times) for name, times in samples.items()}
