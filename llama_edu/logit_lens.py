"""The logit lens: read the residual stream after every layer as if it were the last one.

The model turns its final residual stream into logits with `norm` (RMSNorm) and `output` (a linear map to the
vocabulary). Applying the same two steps to the stream after layer 0, 1, ... shows what the model "would say" at
that depth (nostalgebraist, "interpreting GPT: the logit lens", 2020). After the last layer this is exactly the
model's output, which the tests check.

    stage 0        hook_embed                      the token embedding, before any layer
    stage l + 1    layers.{l}.hook_resid_post      after layer l
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .model import Transformer


@dataclass
class LogitLens:
    stages: list[str]  # "embedding", "layer 0", ...: one row per residual stream read
    hook_names: list[str]  # the hook each stage reads
    top_ids: torch.Tensor  # [stages, T, k] the k most likely next tokens at each stage and position
    top_probs: torch.Tensor  # [stages, T, k] their probabilities (softmax over the whole vocabulary)


def lens_hook_names(n_layers: int) -> list[str]:
    return ["hook_embed"] + [f"layers.{i}.hook_resid_post" for i in range(n_layers)]


@torch.no_grad()
def lens_logits(model: Transformer, residual: torch.Tensor) -> torch.Tensor:
    """The model's own final RMSNorm and output layer on any residual stream.   [..., D] -> [..., V] float32"""
    return model.output(model.norm(residual.to(model.dtype))).float()


@torch.no_grad()
def logit_lens(model: Transformer, cache: dict[str, torch.Tensor], k: int = 3, batch_index: int = 0) -> LogitLens:
    """Top-k next-token predictions of every stage, from a run_with_cache capture holding the residual hooks."""
    names = lens_hook_names(model.cfg.n_layers)
    missing = [n for n in names if n not in cache]
    if missing:
        raise KeyError(f"the capture lacks {missing[0]!r}: capture with names_filter=None or include the residual hooks")
    streams = torch.stack([cache[n][batch_index] for n in names])  # [stages, T, D]
    probs = lens_logits(model, streams).softmax(-1)  # [stages, T, V]
    top = probs.topk(min(k, probs.shape[-1]), dim=-1)
    stages = ["embedding"] + [f"layer {i}" for i in range(model.cfg.n_layers)]
    # Small tensors, read cell by cell by the figures: on the CPU that costs no device synchronisation each.
    return LogitLens(stages=stages, hook_names=names, top_ids=top.indices.cpu(), top_probs=top.values.cpu())
