"""Taking attention apart and changing it: recompute one head's steps from the hooks, measure where heads look,
and switch heads off to see what the prediction loses.

    attention_steps   q.k, / sqrt(hd), + causal mask, softmax: one head, from hook_q_rot and hook_k_rot
    first_token_share how much attention every head puts on position 0 (the "attention sink")
    ablate_heads      the logits with some heads' outputs (their slice of hook_z) set to zero
    compare_next_token  the next-token probabilities before and after, token by token

Everything takes the tensors of one sequence (batch index already taken) or a model and ids, and returns
tensors or plain numbers: the app draws them, the tests compare them with the model's own hooks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from .analysis import head_measures
from .model import Transformer, causal_mask


def kv_head_of(head: int, n_heads: int, n_kv_heads: int) -> int:
    """The key/value head that query head `head` reads: h // (H / Hkv), as in Attention.attend."""
    return head // (n_heads // n_kv_heads)


def attention_steps(q_rot: torch.Tensor, k_rot: torch.Tensor, head: int) -> dict[str, torch.Tensor]:
    """The four steps of one head's attention, in float32.   q_rot [T, H, hd], k_rot [S, Hkv, hd] -> each [T, S]

        scores   q_h . k_g          for every query i and key j (g = the head's KV head)
        scaled   scores / sqrt(hd)
        masked   scaled + mask      mask = -inf where j is in i's future
        pattern  softmax(masked) along the keys: each row sums to 1
    """
    T, H, hd = q_rot.shape
    S, n_kv_heads, _ = k_rot.shape
    if not 0 <= head < H:
        raise ValueError(f"head must be in 0..{H - 1}, got {head}")
    q = q_rot[:, head].float()  # [T, hd]
    k = k_rot[:, kv_head_of(head, H, n_kv_heads)].float()  # [S, hd]
    scores = q @ k.T  # [T, S]
    scaled = scores / math.sqrt(hd)
    masked = scaled + causal_mask(T, S, scaled.device)
    return {"scores": scores, "scaled": scaled, "masked": masked, "pattern": torch.softmax(masked, dim=-1)}


def layer_patterns(cache: dict[str, torch.Tensor], n_layers: int) -> list[torch.Tensor]:
    """hook_pattern of every layer for the first sequence, as float32 on the CPU.   n_layers x [H, T, S]"""
    return [cache[f"layers.{i}.attention.hook_pattern"][0].float().cpu() for i in range(n_layers)]


def first_token_share(cache: dict[str, torch.Tensor], n_layers: int) -> torch.Tensor:
    """Share of attention each head puts on position 0, averaged over queries 1..T-1.   [n_layers, H]

    Query 0 is left out: it can only see itself, so it would count as 100% for every head. Needs T >= 2.
    """
    return torch.stack([head_measures(p)["first_token"] for p in layer_patterns(cache, n_layers)])


def uniform_first_token_share(n_positions: int) -> float:
    """What first_token_share would be if every query spread its attention evenly over what it can see:
    the mean of 1 / (i + 1) over queries i = 1..T-1. A head far above this is using position 0 as a sink."""
    if n_positions < 2:
        raise ValueError("needs at least two positions")
    return sum(1 / (i + 1) for i in range(1, n_positions)) / (n_positions - 1)


# ---- ablation -------------------------------------------------------------------------------------------------
@torch.inference_mode()
def ablate_heads(model: Transformer, ids: list[int], heads: list[tuple[int, int]]) -> torch.Tensor:
    """Logits [1, T, V] (float32) with each listed (layer, head) silenced: its slice of hook_z set to zero.

    hook_z is the head's weighted sum of values, just before the output projection wo mixes the heads; a zero
    there removes exactly this head's contribution to the residual stream and leaves every other head as it was.
    """
    cfg = model.cfg
    by_layer: dict[int, list[int]] = {}
    for layer, head in heads:
        if not (0 <= layer < cfg.n_layers and 0 <= head < cfg.n_heads):
            raise ValueError(f"no head {head} in layer {layer}: the model has {cfg.n_layers} layers "
                             f"of {cfg.n_heads} heads")
        by_layer.setdefault(layer, []).append(head)

    def silence(heads_here: list[int]):
        def hook(z: torch.Tensor, name: str) -> torch.Tensor:  # z [B, T, H, hd]
            z = z.clone()  # the captured tensor may be shared: never change it in place
            z[:, :, heads_here] = 0
            return z
        return hook

    hooks = [(f"layers.{layer}.attention.hook_z", silence(hs)) for layer, hs in by_layer.items()]
    tokens = torch.tensor([ids], device=model.device)
    return model.run_with_hooks(tokens, fwd_hooks=hooks).float()


@dataclass
class NextTokenChange:
    ids: list[int]  # token ids, most likely (before) first
    before: list[float]  # probability of each id before the intervention
    after: list[float]  # ... and after it
    kl: float  # KL(before || after) in bits: how much the whole distribution moved

    @property
    def change(self) -> list[float]:
        return [a - b for a, b in zip(self.after, self.before)]


def compare_next_token(logits_before: torch.Tensor, logits_after: torch.Tensor, k: int = 10) -> NextTokenChange:
    """The next-token distribution before and after, for the top k tokens of either.   logits [V] each

    A token that only the intervention made likely is kept too: that is often the most telling change.
    """
    p = torch.softmax(logits_before.float().cpu(), -1)  # [V]
    q = torch.softmax(logits_after.float().cpu(), -1)  # [V]
    k = max(1, min(k, p.numel()))
    ids = list(dict.fromkeys(p.topk(k).indices.tolist() + q.topk(k).indices.tolist()))
    ids.sort(key=lambda i: -float(p[i]))
    kl = float((p * (p.clamp_min(1e-30).log2() - q.clamp_min(1e-30).log2())).sum())
    return NextTokenChange(ids=ids, before=[float(p[i]) for i in ids], after=[float(q[i]) for i in ids],
                           kl=max(kl, 0.0))


# ---- grouped-query attention ----------------------------------------------------------------------------------
def pattern_similarity(pattern: torch.Tensor) -> torch.Tensor:
    """How alike two heads' patterns are: 1 - total variation distance, averaged over queries.   [H, T, S] -> [H, H]

    1 means the two heads put the same weight on every key for every query; 0 means they never overlap.
    """
    p = pattern.float().cpu()
    tv = 0.5 * (p[:, None] - p[None, :]).abs().sum(-1)  # [H, H, T]
    return 1 - tv.mean(-1)


def within_and_across_groups(similarity: torch.Tensor, n_kv_heads: int) -> tuple[float | None, float | None]:
    """Mean similarity of pairs of different heads in the same KV group, and in different groups.   [H, H]

    None where there is no such pair (MHA has no two heads in one group, MQA no two groups)."""
    H = similarity.shape[0]
    group = torch.arange(H) // (H // n_kv_heads)
    same = group[:, None] == group[None, :]
    other_head = ~torch.eye(H, dtype=torch.bool)
    within, across = similarity[same & other_head], similarity[~same]
    return (float(within.mean()) if within.numel() else None, float(across.mean()) if across.numel() else None)
