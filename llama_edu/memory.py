"""Will it fit? Memory needed to load and run a model, against what the device has, before anything is loaded.

    weights          parameters * bytes per value (bfloat16: 2)
    working memory   activations of one forward pass over the full context, the KV cache for it, and the
                     float32 logits; small next to the weights for LLaMA-sized models
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from .config import ModelConfig, count_parameters, kv_cache_bytes


@dataclass
class MemoryEstimate:
    weights: int
    kv_cache: int
    activations: int
    available: int | None  # None: unknown

    @property
    def total(self) -> int:
        return self.weights + self.kv_cache + self.activations

    @property
    def fits(self) -> bool:
        return self.available is None or self.total <= self.available


def dtype_bytes(dtype: torch.dtype) -> int:
    return torch.empty(0, dtype=dtype).element_size()


def estimate(cfg: ModelConfig, device: torch.device, dtype: torch.dtype, seq_len: int | None = None,
             batch_size: int = 1) -> MemoryEstimate:
    seq_len = seq_len or cfg.max_seq_len
    b = dtype_bytes(dtype)
    # The largest live tensors of one layer: the feed-forward's gate, up and product [B, T, F], the attention
    # scores and pattern [B, H, T, T] in float32, and the residual stream; plus the float32 logits [B, T, V].
    per_layer = batch_size * seq_len * (3 * cfg.hidden_dim * b + 4 * cfg.dim * b) \
        + 2 * batch_size * cfg.n_heads * seq_len * seq_len * 4
    logits = batch_size * seq_len * cfg.vocab_size * 4
    return MemoryEstimate(weights=count_parameters(cfg) * b, kv_cache=kv_cache_bytes(cfg, seq_len, batch_size, b),
                          activations=per_layer + logits, available=available_bytes(device))


def available_bytes(device: torch.device) -> int | None:
    """Free memory on the device: the GPU's free memory, or the RAM the OS can still give this process."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo") as f:
            info = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in f}
        return info.get("MemAvailable")
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return None


def check_fits(cfg: ModelConfig, device: torch.device, dtype: torch.dtype, seq_len: int | None = None) -> MemoryEstimate:
    """The estimate, or a MemoryError with the numbers when the model will not fit."""
    est = estimate(cfg, device, dtype, seq_len)
    if not est.fits:
        gib = 1024 ** 3
        raise MemoryError(
            f"{cfg.name} needs about {est.total / gib:.1f} GiB on {device.type} in {str(dtype).removeprefix('torch.')} "
            f"(weights {est.weights / gib:.1f} GiB + KV cache {est.kv_cache / gib:.2f} GiB + activations "
            f"{est.activations / gib:.2f} GiB for {seq_len or cfg.max_seq_len} tokens), but only "
            f"{est.available / gib:.1f} GiB is free")
    return est
