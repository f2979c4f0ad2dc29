"""Rotary position embeddings (RoPE), measured from the hooks: one pair turning, q.k against the offset, and the two pair
orders (Meta's adjacent pairs, Hugging Face's halves).

RoPE itself is llama_edu.model (rope_frequencies, rope_angles, apply_rope); every rotation here is done with those
functions. The vectors are one head's [hd], taken from hook_q / hook_k (before RoPE) or hook_q_rot / hook_k_rot
(after).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .checkpoints import meta_to_hf_qk
from .model import apply_rope, rope_angles, rope_frequencies


# ---- one vector at every position ----------------------------------------------------------------------------------
def rotate_to_positions(x: torch.Tensor, n_positions: int, theta: float = 10000.0,
                        scaling: dict | None = None) -> torch.Tensor:
    """One head vector x [hd] (before RoPE), rotated as if it stood at each position 0..n_positions-1.   [P, hd]"""
    hd = x.shape[-1]
    cos, sin = rope_angles(hd, n_positions, theta, scaling)  # [P, hd/2] each, on the CPU
    # One vector: on the CPU in float32 whatever the model runs on (a bfloat16 GPU capture included).
    same_vector_everywhere = x.detach().float().cpu().reshape(1, 1, 1, hd).expand(1, n_positions, 1, hd)  # [1, P, 1, hd]
    return apply_rope(same_vector_everywhere, cos, sin)[0, :, 0]  # [P, hd]


def wavelengths(head_dim: int, theta: float = 10000.0, scaling: dict | None = None) -> torch.Tensor:
    """Tokens per full turn of each pair, 2*pi / theta_i.   [hd/2]"""
    return 2 * math.pi / rope_frequencies(head_dim, theta, scaling)


# ---- one pair's turn -------------------------------------------------------------------------------------------------
def pair_angle(x: torch.Tensor, i: int) -> float:
    """Direction of pair i, (x[2i], x[2i+1]), in radians."""
    return math.atan2(float(x[2 * i + 1]), float(x[2 * i]))


def wrap_angle(angle: float) -> float:
    """The same angle in [-pi, pi): turning by 2*pi changes nothing."""
    return (angle + math.pi) % (2 * math.pi) - math.pi


@dataclass
class PairTurn:
    """Pair i of one query at position m, before and after RoPE, and the turn between them."""
    before: tuple[float, float]  # (x_2i, x_2i+1) from hook_q
    after: tuple[float, float]  # the same pair from hook_q_rot
    frequency: float  # theta_i: radians per token
    angle: float  # m * theta_i: the turn RoPE applies (not wrapped)
    measured_turn: float  # the angle from `before` to `after`, wrapped into [-pi, pi)


def pair_turn(q: torch.Tensor, q_rot: torch.Tensor, m: int, i: int, theta: float = 10000.0,
              scaling: dict | None = None) -> PairTurn:
    """Read pair i at position m from one head's queries q, q_rot [T, hd] (hook_q and hook_q_rot)."""
    q, q_rot = q.detach().float().cpu(), q_rot.detach().float().cpu()  # a bfloat16 GPU capture included
    frequency = float(rope_frequencies(q.shape[-1], theta, scaling)[i])
    before = (float(q[m, 2 * i]), float(q[m, 2 * i + 1]))
    after = (float(q_rot[m, 2 * i]), float(q_rot[m, 2 * i + 1]))
    measured = wrap_angle(math.atan2(after[1], after[0]) - math.atan2(before[1], before[0]))
    return PairTurn(before, after, frequency, m * frequency, measured)


# ---- q.k depends only on the offset ----------------------------------------------------------------------------------
def relative_dot_products(q: torch.Tensor, k: torch.Tensor, n_positions: int, theta: float = 10000.0,
                          scaling: dict | None = None) -> torch.Tensor:
    """q.k with q rotated to every query position m and k to every key position n.   [m, n]

    RoPE's promise: the entry depends only on m - n, so every diagonal of this matrix is constant.
    """
    q_at = rotate_to_positions(q, n_positions, theta, scaling)  # [P, hd]
    k_at = rotate_to_positions(k, n_positions, theta, scaling)  # [P, hd]
    return q_at @ k_at.T


def diagonal_spread(matrix: torch.Tensor) -> float:
    """Largest (max - min) along any diagonal: 0 for a matrix whose entries depend only on row - column."""
    n = matrix.shape[0]
    return max(float(d.max() - d.min()) for d in (torch.diagonal(matrix, offset) for offset in range(-n + 1, n)))


# ---- Meta's pair order and Hugging Face's ----------------------------------------------------------------------------
def hf_row_order(head_dim: int) -> list[int]:
    """Row r of one head in a Hugging Face checkpoint is Meta's row hf_row_order(hd)[r] (from meta_to_hf_qk)."""
    meta_rows = torch.arange(head_dim, dtype=torch.float32)[:, None]  # [hd, 1]: each row holds its own index
    return [int(r) for r in meta_to_hf_qk(meta_rows, n_heads=1)[:, 0]]


def rotate_half_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Hugging Face's RoPE: x * cos + rotate_half(x) * sin, pairing dimension i with i + hd/2.

    x [B, T, heads, hd] in HF row order; cos, sin [T, hd/2] as returned by rope_angles.
    """
    cos = torch.cat([cos, cos], dim=-1)[:, None, :]  # [T, 1, hd]
    sin = torch.cat([sin, sin], dim=-1)[:, None, :]
    first, second = x.float().chunk(2, dim=-1)
    rotated_half = torch.cat([-second, first], dim=-1)
    return x.float() * cos + rotated_half * sin


def hf_layout_difference(q: torch.Tensor, q_rot: torch.Tensor, theta: float = 10000.0,
                         scaling: dict | None = None) -> float:
    """Largest |difference| between Meta's rotated q (the hook) and HF's rotate_half applied to the same q
    stored in HF row order, mapped back to Meta order. q, q_rot [B, T, heads, hd]. About 1e-6 = the same."""
    q, q_rot = q.detach().float().cpu(), q_rot.detach().float().cpu()
    T, hd = q.shape[1], q.shape[-1]
    order = hf_row_order(hd)
    cos, sin = rope_angles(hd, T, theta, scaling)
    hf_rotated = rotate_half_rope(q[..., order], cos, sin)  # [B, T, heads, hd] in HF order
    back_in_meta_order = torch.empty_like(hf_rotated)
    back_in_meta_order[..., order] = hf_rotated
    return float((back_in_meta_order - q_rot).abs().max())
