"""Longer contexts than a model was trained on: why plain RoPE fails there, and four ways to rescale its frequencies.

A model trained on L tokens has seen pair i of RoPE turned by angles from 0 to about L·θ_i. Pairs that turn fast
(θ_i·L > 2π) have been all the way round, many times; pairs whose wavelength 2π/θ_i is longer than L have only seen
a slice of the circle, and past position L they reach angles no training step ever produced. Each method below
changes θ_i to try to keep a context s times longer (L' = s·L) inside what was seen (NTK-aware only partly: of the
pairs that never completed a turn, all but the slowest still reach new angles):

    plain                   θ_i                                       (nothing changes: extrapolation)
    position interpolation  θ_i / s                                   Chen et al. 2023: position m read as m·L/L'
    NTK-aware               θ_i with the base raised to b·s^(d/(d-2))  the fast pairs nearly kept, the slowest / s
    YaRN                    (1 - γ(r_i))·θ_i/s + γ(r_i)·θ_i, r_i = L/λ_i   Peng et al. 2023, "NTK-by-parts",
                            plus attention logits × (0.1·ln s + 1)²    with α = 1, β = 32 for LLaMA
    Llama 3.1               the same ramp with α = 1, β = 4, no temperature (llama_edu.model._llama31_scaled_frequencies)

γ(r) is 0 for r < α (slow pairs: fully interpolated), 1 for r > β (fast pairs: kept), linear in r between. Every
frequency here starts from llama_edu.model.rope_frequencies, the function the model runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .model import causal_mask, rope_frequencies

METHODS = ("plain", "pi", "ntk", "yarn", "llama3")
YARN_ALPHA, YARN_BETA = 1.0, 32.0  # the YaRN paper's values for the LLaMA family
LLAMA3_LOW_FREQ_FACTOR, LLAMA3_HIGH_FREQ_FACTOR = 1.0, 4.0  # Llama 3.1's (config._LLAMA3_SCALING)


# ---- the frequency rules ---------------------------------------------------------------------------------------
def position_interpolation_frequencies(head_dim: int, theta: float, factor: float) -> torch.Tensor:
    """Chen et al. 2023: positions m → m / s, which is every θ_i divided by s.   [hd/2]"""
    return rope_frequencies(head_dim, theta) / factor


def ntk_aware_base(head_dim: int, theta: float, factor: float) -> float:
    """The raised base b' = b · s^(d/(d-2)): chosen so the slowest pair, θ = b^-(d-2)/d, turns exactly s times
    slower, while pair 0 (θ = 1 for any base) does not change."""
    return theta * factor ** (head_dim / (head_dim - 2))


def ntk_aware_frequencies(head_dim: int, theta: float, factor: float) -> torch.Tensor:
    """ "NTK-aware" scaling (bloc97, 2023; described in the YaRN paper): plain RoPE with the raised base.   [hd/2]"""
    return rope_frequencies(head_dim, ntk_aware_base(head_dim, theta, factor))


def yarn_ramp(ratio: torch.Tensor, alpha: float = YARN_ALPHA, beta: float = YARN_BETA) -> torch.Tensor:
    """γ(r): 0 below alpha, 1 above beta, linear in between. r = L/λ is how many turns a pair makes within the
    original context L."""
    return ((ratio - alpha) / (beta - alpha)).clamp(0.0, 1.0)


def yarn_frequencies(head_dim: int, theta: float, factor: float, original_context: int,
                     alpha: float = YARN_ALPHA, beta: float = YARN_BETA) -> torch.Tensor:
    """YaRN's per-frequency rule ("NTK-by-parts"): pairs that turn fewer than alpha times within the original
    context are interpolated (θ/s), pairs that turn more than beta times are kept (θ), the band between is blended
    linearly in r = L/λ.   [hd/2]

    The YaRN paper's ramp is linear in r; its reference code, and transformers' "yarn", ramp linearly over the pair
    index between the same two boundary pairs instead, so inside the band the two differ a little.
    """
    freqs = rope_frequencies(head_dim, theta)
    turns = original_context * freqs / (2 * math.pi)  # r = L / λ
    keep = yarn_ramp(turns, alpha, beta)
    return (1 - keep) * freqs / factor + keep * freqs


def yarn_attention_factor(factor: float) -> float:
    """YaRN's temperature, √(1/t) = 0.1·ln(s) + 1: q and k are both multiplied by it (through cos and sin), so the
    attention logits grow by its square, which keeps the softmax as sharp over s times more keys."""
    return 0.1 * math.log(factor) + 1.0 if factor > 1 else 1.0


def llama3_scaling(factor: float, original_context: int) -> dict:
    """A rope_scaling dict in Llama 3.1's format (config._LLAMA3_SCALING has factor 8 and 8,192 tokens)."""
    return {"rope_type": "llama3", "factor": float(factor), "low_freq_factor": LLAMA3_LOW_FREQ_FACTOR,
            "high_freq_factor": LLAMA3_HIGH_FREQ_FACTOR, "original_max_position_embeddings": int(original_context)}


def llama3_frequencies(head_dim: int, theta: float, factor: float, original_context: int) -> torch.Tensor:
    """Llama 3.1's rule, run by the model's own code (rope_frequencies with a rope_scaling dict).   [hd/2]"""
    return rope_frequencies(head_dim, theta, llama3_scaling(factor, original_context))


def scaled_frequencies(method: str, head_dim: int, theta: float, factor: float, original_context: int
                       ) -> torch.Tensor:
    """θ_i of every pair under one of METHODS, for a context `factor` times the original.   [hd/2]"""
    if method == "plain":
        return rope_frequencies(head_dim, theta)
    if method == "pi":
        return position_interpolation_frequencies(head_dim, theta, factor)
    if method == "ntk":
        return ntk_aware_frequencies(head_dim, theta, factor)
    if method == "yarn":
        return yarn_frequencies(head_dim, theta, factor, original_context)
    if method == "llama3":
        return llama3_frequencies(head_dim, theta, factor, original_context)
    raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")


def attention_factor(method: str, factor: float) -> float:
    """What q and k are multiplied by: YaRN's temperature for "yarn", 1 for every other method."""
    return yarn_attention_factor(factor) if method == "yarn" else 1.0


# ---- what a context s times longer does to each pair ----------------------------------------------------------
def turns_within(freqs: torch.Tensor, n_tokens: int) -> torch.Tensor:
    """Full turns each pair makes over n_tokens positions, n·θ_i / 2π.   [hd/2]"""
    return n_tokens * freqs / (2 * math.pi)


def pairs_beyond_training(plain: torch.Tensor, scaled: torch.Tensor, trained: int, target: int) -> list[int]:
    """The pairs that reach, at the last of `target` positions, an angle training never produced.

    In training, pair i turned from 0 up to about trained·θ_i (plain frequencies). A pair that went all the way
    round (trained·θ_i ≥ 2π) has seen every angle; any other pair has seen only its slice, and is counted here when
    (target - 1)·θ'_i, with the scaled frequency θ'_i, goes past trained·θ_i.
    """
    seen = trained * plain  # [hd/2]
    reached = (target - 1) * scaled
    beyond = (seen < 2 * math.pi) & (reached > seen)
    return [int(i) for i in torch.nonzero(beyond).flatten()]


@dataclass(frozen=True)
class Bands:
    """How a Llama-3.1-style ramp sorts the pairs: kept (short wavelengths), divided by s (long), blended."""
    kept: list[int]
    divided: list[int]
    blended: list[int]


def llama3_bands(head_dim: int, theta: float, original_context: int,
                 low_freq_factor: float = LLAMA3_LOW_FREQ_FACTOR, high_freq_factor: float = LLAMA3_HIGH_FREQ_FACTOR
                 ) -> Bands:
    """Pairs with wavelength under L/high_freq_factor are kept, over L/low_freq_factor divided, the rest blended."""
    wavelengths = 2 * math.pi / rope_frequencies(head_dim, theta)
    kept = wavelengths < original_context / high_freq_factor
    divided = wavelengths > original_context / low_freq_factor
    ids = lambda mask: [int(i) for i in torch.nonzero(mask).flatten()]
    return Bands(ids(kept), ids(divided), ids(~kept & ~divided))


# ---- the real model past its context ---------------------------------------------------------------------------
@torch.no_grad()
def next_token_losses(model, ids: torch.Tensor, freqs: torch.Tensor, attention_factor: float = 1.0
                      ) -> torch.Tensor:
    """Cross-entropy of every next token when the model's own layers run with these RoPE frequencies, at any length
    (also past the model's context). ids [B, T+1] -> losses [B, T] in nats.

    The model is not changed: its layers are called with angles made here (cos and sin of m·θ_i for m = 0..T-1,
    times attention_factor), exactly as Transformer.forward calls them with its own tables.
    """
    inputs, targets = ids[:, :-1].to(model.device), ids[:, 1:].to(model.device)
    T = inputs.shape[1]
    angles = torch.outer(torch.arange(T, dtype=torch.float32), freqs.float().cpu())  # [T, hd/2]
    cos = (angles.cos() * attention_factor).to(model.device)[:, None]  # [T, 1, hd/2]
    sin = (angles.sin() * attention_factor).to(model.device)[:, None]
    mask = causal_mask(T, T, model.device).to(model.dtype)
    x = model.tok_embeddings(inputs)  # [B, T, D]
    for layer in model.layers:
        x = layer(x, cos, sin, mask)
    logits = model.output(model.norm(x)).float()  # [B, T, V]
    return torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets, reduction="none").cpu()  # [B, T]


EXPERIMENT_ROWS = 4  # rows of past_the_context: enough for two decimals, a few seconds for the tiny model
LONG_TEXT_SEED = 2024  # the texts of the experiment: the corpus generator from its own seed (training used seed 0)


def long_sequences(tok, n_sequences: int, n_tokens: int, seed: int = LONG_TEXT_SEED) -> torch.Tensor:
    """n_sequences rows of n_tokens + 1 token ids: texts of the tiny model's corpus generator, each with its BOS,
    one after another. Each text is short, so no row needs a long memory: what a longer row tests is only whether the
    model still works at positions it was never trained on.   [n_sequences, n_tokens + 1]"""
    import random

    from .corpus import generate_story

    rng = random.Random(seed)
    rows = []
    for _ in range(n_sequences):
        row: list[int] = []
        while len(row) < n_tokens + 1:
            row += tok.encode(generate_story(rng))
        rows.append(row[:n_tokens + 1])
    return torch.tensor(rows)


def band_means(losses: torch.Tensor, width: int) -> list[float]:
    """Mean loss over all rows in consecutive bands of `width` positions: [0, width), [width, 2·width), ..."""
    per_position = losses.mean(0)  # [T]
    return [float(per_position[start:start + width].mean()) for start in range(0, len(per_position), width)]


def past_the_context(model, tok, factor: int = 4, methods=METHODS, n_sequences: int = EXPERIMENT_ROWS,
                     seed: int = LONG_TEXT_SEED) -> dict[str, list[float]]:
    """The model's mean loss in each band of its context length, over `factor` times its context, under each
    method with no fine-tuning: method -> [loss in positions 0..L-1, L..2L-1, ...]."""
    cfg = model.cfg
    L = cfg.max_seq_len
    ids = long_sequences(tok, n_sequences, factor * L, seed)
    result = {}
    for method in methods:
        freqs = scaled_frequencies(method, cfg.head_dim, cfg.rope_theta, factor, L)
        result[method] = band_means(next_token_losses(model, ids, freqs, attention_factor(method, factor)), L)
    return result
