"""Attention rollout: how much of each input token has flowed into each position after every layer.

Abnar & Zuidema (2020), "Quantifying Attention Flow in Transformers". One layer's attention moves information
from key j to query i with weight A[i, j]; the residual connection adds the token's own vector back unchanged. The
paper models that with the identity and renormalises, then multiplies the layers together (layers from 0):

    A_l       = mean over heads of hook_pattern of layer l     [T, T], rows sum to 1
    Â_l       = normalise_rows(0.5 · A_l + 0.5 · I)            the residual connection as "attend to yourself"
    rollout_0 = Â_0
    rollout_l = Â_l · rollout_{l-1}                            [T, T]: row i says where position i's content is from

rollout_l[i, j] is the share of token j in position i after layer l, *if* the model were this linear mixing only:
it ignores the values (what each head actually moves), the output projection, the feed-forward layers and the
norms. In a causal model every rollout matrix is lower triangular, and the first token collects flow simply
because every later position can reach it. It is a picture of where attention routes, not an attribution.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def patterns_from_cache(cache: dict[str, torch.Tensor], n_layers: int) -> torch.Tensor:
    """Every layer's hook_pattern stacked, as float32.   -> [L, B, H, T, S]"""
    return torch.stack([cache[f"layers.{i}.attention.hook_pattern"].float() for i in range(n_layers)])


def residual_attention(pattern: torch.Tensor, residual_weight: float = 0.5) -> torch.Tensor:
    """Â = rows of ((1 - w) · mean_heads(pattern) + w · I) renormalised.   [..., H, T, T] -> [..., T, T]

    w = 0.5 as in the paper: half of what a position holds after the block is its own residual stream."""
    attention = pattern.float().mean(dim=-3)  # [..., T, T]: average over heads
    T, S = attention.shape[-2:]
    if T != S:
        raise ValueError(f"rollout needs square patterns (no KV cache), got {T} queries and {S} keys")
    identity = torch.eye(T, dtype=attention.dtype, device=attention.device)  # [T, T], broadcast over batch
    mixed = (1 - residual_weight) * attention + residual_weight * identity
    return mixed / mixed.sum(dim=-1, keepdim=True)  # rows already sum to 1 in exact arithmetic; keep them so


def attention_rollout(patterns: torch.Tensor | Sequence[torch.Tensor], residual_weight: float = 0.5) -> torch.Tensor:
    """The rollout after every layer.   patterns [L, ..., H, T, T] (or L tensors [..., H, T, T]) -> [L, ..., T, T]

    Entry [l, ..., i, j]: the share of input token j in position i after layer l (0-based), each row summing to 1.
    Any leading batch dimensions (the "...") are kept; the result is float32.
    """
    if not isinstance(patterns, torch.Tensor):
        patterns = torch.stack([p.float() for p in patterns])
    if patterns.shape[0] == 0:
        raise ValueError("rollout needs at least one layer")
    layers = []
    rollout = None
    for pattern in patterns:  # [..., H, T, T], from the first layer up
        mixing = residual_attention(pattern, residual_weight)  # Â_l [..., T, T]
        rollout = mixing if rollout is None else mixing @ rollout  # Â_l · rollout_{l-1}
        layers.append(rollout)
    return torch.stack(layers)  # [L, ..., T, T]


def raw_attention(pattern: torch.Tensor, head: int | None = None) -> torch.Tensor:
    """One layer's attention without the residual: the mean over heads, or one head.   [..., H, T, T] -> [..., T, T]"""
    return pattern.float().mean(dim=-3) if head is None else pattern[..., head, :, :].float()


def uniform_causal_pattern(n_tokens: int) -> torch.Tensor:
    """The pattern of a head that spreads each query evenly over what it may see: 1 / (i + 1) for j <= i.   [T, T]

    The baseline for rollout: with this pattern in every head of every layer, the first token still ends up with
    the largest share of the last position, because every path through the causal layers can reach it."""
    allowed = torch.tril(torch.ones(n_tokens, n_tokens))
    return allowed / allowed.sum(dim=-1, keepdim=True)


def uniform_rollout(n_tokens: int, n_layers: int, residual_weight: float = 0.5) -> torch.Tensor:
    """attention_rollout of n_layers layers of uniform causal attention.   -> [L, T, T]"""
    pattern = uniform_causal_pattern(n_tokens)[None]  # [1 head, T, T]
    return attention_rollout(pattern.expand(n_layers, 1, n_tokens, n_tokens), residual_weight)
