"""SwiGLU, the feed-forward network of every LLaMA block, measured: FFN(x) = w2( silu(w1 x) * (w3 x) ).

The network itself is llama_edu.model.FeedForward, and its width F comes from llama_edu.config.ffn_hidden_dim.
Here: the activation functions it is compared with, how many of one token's F hidden units its gate lets through
(read from the hooks hook_gate, hook_act, hook_up, hook_hidden), and Meta's rule for F, worked step by step.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .config import PRESETS, ModelConfig, ffn_hidden_dim
from .i18n import t

# The activations a student meets in papers, all from torch itself (GELU: the exact erf form).
ACTIVATIONS = {"SiLU / Swish": F.silu, "ReLU": F.relu, "GELU": F.gelu}


# ---- the activation functions ------------------------------------------------------------------------------------
def activation_curves(low: float = -6.0, high: float = 6.0, n: int = 481) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(z [n], {name: activation(z) [n]}) for every function of ACTIVATIONS on [low, high]."""
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


# ---- one token's hidden units ------------------------------------------------------------------------------------
FFN_HOOKS = ("hook_gate", "hook_act", "hook_up", "hook_hidden")  # w1 x, silu(w1 x), w3 x, their product


def ffn_capture(cache: dict[str, torch.Tensor], layer: int, position: int) -> tuple[torch.Tensor, ...]:
    """(gate, silu(gate), up, product) of one token in one layer's feed-forward, each [F]."""
    return tuple(cache[f"layers.{layer}.feed_forward.{hook}"][0, position] for hook in FFN_HOOKS)


def gate_summary(act: torch.Tensor, threshold: float = 0.05) -> dict[str, float]:
    """How many of the F units the gate lets through, for one token.   act = silu(gate): [F]

    "small": |silu(gate)| < threshold * max |silu(gate)|, i.e. the unit is (nearly) switched off.
    """
    a = act.detach().float().cpu()
    largest = a.abs().max().item()
    small = int((a.abs() < threshold * largest).sum())
    return {"units": a.numel(), "small": small, "large": a.numel() - small, "negative": int((a < 0).sum()),
            "most negative": a.min().item(), "largest |silu|": largest}


SORT_ORDERS = ("gate", "product", "unit index")


def unit_order(gate: torch.Tensor, hidden: torch.Tensor, sort_by: str) -> np.ndarray:
    """Unit indices by descending gate [F] or product [F], or as stored ("unit index").   -> [F]"""
    if sort_by == "unit index":
        return np.arange(gate.numel())
    key = gate if sort_by == "gate" else hidden
    return torch.argsort(key.detach().float().cpu(), descending=True).numpy()


# ---- how wide is F? ----------------------------------------------------------------------------------------------
SIZING_EXAMPLES = ("llama-7b", "llama-2-70b", "llama-3-8b")


def rule_multiple_of(cfg: ModelConfig) -> int | None:
    """The multiple_of with which Meta's rule gives this config's F (cfg.hidden_dim).

    A preset or a Meta params.json carries its own, and the rule with it gives F. A Hugging Face config.json states F
    itself (intermediate_size) and stores no multiple_of, so a checkpoint loaded from one has only the default 256 in
    cfg.multiple_of, which may give another F. Then: the smallest power of two with which the rule gives F (for the
    shipped tiny model 32, the multiple_of its training run used). None where no power of two does: that checkpoint
    chose its width another way.
    """
    F = cfg.hidden_dim
    if ffn_hidden_dim(cfg.dim, cfg.multiple_of, cfg.ffn_dim_multiplier) == F:
        return cfg.multiple_of
    return next((2 ** p for p in range(F.bit_length())
                 if ffn_hidden_dim(cfg.dim, 2 ** p, cfg.ffn_dim_multiplier) == F), None)


def sizing_explained(cfg: ModelConfig) -> dict:
    """The numbers behind "F = ..." for one config: the rule's width before rounding (2/3 * 4d, times the multiplier
    if any), the multiple_of it is rounded up to (rule_multiple_of) and how many of those F is; whether that
    multiple_of had to be found (the config did not carry it), and what the config's own multiple_of would give."""
    before = int(2 * 4 * cfg.dim / 3)
    if cfg.ffn_dim_multiplier is not None:
        before = int(cfg.ffn_dim_multiplier * before)
    multiple_of = rule_multiple_of(cfg)
    return {"dim": cfg.dim, "f": cfg.hidden_dim, "before": before, "multiple_of": multiple_of,
            "blocks": cfg.hidden_dim // multiple_of if multiple_of else None,
            "found": multiple_of is not None and multiple_of != cfg.multiple_of,
            "config_multiple_of": cfg.multiple_of,
            "config_gives": ffn_hidden_dim(cfg.dim, cfg.multiple_of, cfg.ffn_dim_multiplier)}


def sizing_row(name: str, cfg: ModelConfig, *, lang: str = "en") -> dict:
    """Meta's rule step by step: 4d, then int(2 * 4d / 3), then * multiplier, rounded up to multiple_of (the one
    with which the rule gives the model's F, rule_multiple_of, where there is one). A config without a multiplier
    says so in the reader's language. Keys: llama_edu/strings/columns.yaml."""
    multiple_of = rule_multiple_of(cfg) or cfg.multiple_of
    return {"model": name, "d": cfg.dim, "four_d": 4 * cfg.dim, "two_thirds_of_four_d": int(2 * 4 * cfg.dim / 3),
            "ffn_dim_multiplier": cfg.ffn_dim_multiplier or t("cells.no_multiplier", lang),
            "multiple_of": multiple_of,
            "f_by_rule": ffn_hidden_dim(cfg.dim, multiple_of, cfg.ffn_dim_multiplier),
            "f_in_model": cfg.hidden_dim}


def sizing_rows(loaded: ModelConfig, loaded_name: str = "loaded model", *, lang: str = "en") -> list[dict]:
    """sizing_row of the loaded model, then of the published models in SIZING_EXAMPLES."""
    return [sizing_row(loaded_name, loaded, lang=lang)] + [sizing_row(name, PRESETS[name], lang=lang)
                                                           for name in SIZING_EXAMPLES]


def ffn_parameter_counts(dim: int) -> dict[str, float]:
    """Weights per layer: a classic two-matrix FFN of width 4d vs SwiGLU's three matrices of width 2/3 * 4d."""
    return {"two matrices, width 4d": 2 * dim * 4 * dim, "three matrices, width 8d/3": 3 * dim * (8 * dim / 3)}
