"""Taking attention apart and changing it: recompute one head's steps from the hooks, measure where heads look,
and switch heads off to see what the prediction loses.

    attention_steps   q.k, / sqrt(hd), + causal mask, softmax: one head, from hook_q_rot and hook_k_rot
    first_token_share how much attention every head puts on position 0 (the "attention sink")
    ablate_heads      the logits with some heads' outputs (their slice of hook_z) set to zero
    compare_next_token  the next-token probabilities before and after, token by token
    most_disruptive_head  the one head whose removal changes the prediction the most

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


@torch.no_grad()
def most_disruptive_head(model: Transformer, ids: list[int], max_ablations: int = 48) -> tuple[int, int, float]:
    """(layer, head, KL in bits): the head whose removal alone moves the next-token prediction after ids the most.

    Silencing every head one at a time costs one forward pass per head: 48 for the tiny model, 1,024 for a 7B. So
    the heads are first ranked by how much each writes into the last position (the norm of its slice of wo times
    its hook_z row, from one run), and only the first max_ablations of them are silenced; the tiny model has 48
    heads, so every one is tried there.
    """
    cfg = model.cfg
    tokens = torch.tensor([ids], device=model.device)
    names = [f"layers.{i}.attention.hook_z" for i in range(cfg.n_layers)]
    logits, cache = model.run_with_cache(tokens, names_filter=names)
    writes = torch.zeros(cfg.n_layers, cfg.n_heads)
    for i, name in enumerate(names):
        z = cache[name][0, -1].float()  # [H, hd]: each head's weighted values at the last position
        wo = model.layers[i].attention.wo.weight.float().view(cfg.dim, cfg.n_heads, cfg.head_dim)  # [D, H, hd]
        writes[i] = torch.einsum("dhk,hk->hd", wo, z).norm(dim=-1).cpu()
    ranked = sorted(((float(writes[l, h]), l, h) for l in range(cfg.n_layers) for h in range(cfg.n_heads)),
                    reverse=True)[:max_ablations]
    before = logits[0, -1]
    kl = [(compare_next_token(before, ablate_heads(model, ids, [(l, h)])[0, -1]).kl, l, h) for _, l, h in ranked]
    best, layer, head = max(kl)
    return layer, head, best


# ---- grouped-query attention ----------------------------------------------------------------------------------
def pattern_similarity(pattern: torch.Tensor) -> torch.Tensor:
    """How alike two heads' patterns are: 1 - total variation distance, averaged over queries.   [H, T, S] -> [H, H]

    1 means the two heads put the same weight on every key for every query; 0 means they never overlap.
    """
    p = pattern.float().cpu()
    tv = 0.5 * (p[:, None] - p[None, :]).abs().sum(-1)  # [H, H, T]
    return 1 - tv.mean(-1)


def output_similarity(z: torch.Tensor) -> torch.Tensor:
    """How alike two heads' outputs are: the cosine of their hook_z vectors, averaged over positions.
    [T, H, hd] -> [H, H]

    Each head's output is its pattern's weighted sum of the values it reads. Heads that share a KV head mix the same
    value vectors, so their outputs point alike even where their patterns differ; heads of different KV groups mix
    different value vectors. 1 means the same direction at every position, 0 unrelated, -1 opposite.
    """
    unit = torch.nn.functional.normalize(z.float().cpu().transpose(0, 1), dim=-1)  # [H, T, hd], length 1
    return torch.einsum("htd,gtd->hg", unit, unit) / z.shape[0]


def within_and_across_groups(similarity: torch.Tensor, n_kv_heads: int) -> tuple[float | None, float | None]:
    """Mean similarity of pairs of different heads in the same KV group, and in different groups.   [H, H]

    None where there is no such pair (MHA has no two heads in one group, MQA no two groups)."""
    H = similarity.shape[0]
    group = torch.arange(H) // (H // n_kv_heads)
    same = group[:, None] == group[None, :]
    other_head = ~torch.eye(H, dtype=torch.bool)
    within, across = similarity[same & other_head], similarity[~same]
    return (float(within.mean()) if within.numel() else None, float(across.mean()) if across.numel() else None)


def clearest_group_layer(patterns: list[torch.Tensor], n_kv_heads: int) -> int:
    """The layer whose heads are most alike within a KV group, against heads of different groups: the largest
    within-minus-across similarity (within_and_across_groups).   L patterns [H, T, S] -> layer index

    Layer 0 where no layer has both kinds of pair (MHA has no two heads in one group, MQA no two groups)."""
    gaps = []
    for pattern in patterns:
        within, across = within_and_across_groups(pattern_similarity(pattern), n_kv_heads)
        gaps.append(within - across if within is not None and across is not None else float("-inf"))
    return max(range(len(gaps)), key=gaps.__getitem__) if gaps else 0  # the first of equals: layer 0 if none
