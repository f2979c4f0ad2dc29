"""Will it fit? Memory needed to load and run a model, against what the device has, before anything is loaded.

    weights          parameters * bytes per value (bfloat16: 2)
    working memory   for the tokens that will run (WORKING_CONTEXT, where the model's context is longer): the KV
                     cache for them and the largest tensors alive at once in one forward pass
                     (`activations`: see estimate())

At the working context the working memory is a few percent of the weights; at a model's full context it can be
larger than the weights, because the attention scores grow with the square of the length and the logits with the
vocabulary: Llama-3-8B at its 8,192 tokens needs 20.9 GiB for the activations alone, more than its 15.0 GiB of
weights. In bfloat16 (estimate(); tests/test_lesson_corrections.py recomputes every figure here):

    model          weights    working memory at 512 tokens    working memory at its full context
    Llama-2-7B     12.6 GiB   0.38 GiB                          4,096 tokens:  7.4 GiB
    Llama-3-8B     15.0 GiB   0.46 GiB                          8,192 tokens: 21.9 GiB
    Llama-3.1-8B   15.0 GiB   0.52 GiB (64 MiB of RoPE tables)  131,072 tokens: 5,150 GiB

What is measured and what is estimated: `activations` was checked against the peak of tensor memory torch allocates
during one forward pass that takes the explicit attention path (hooks listening, nothing kept), counted op by op
(tests/test_memory.py): the shipped tiny model at 16-256 tokens in float32 and bfloat16, and one layer of Llama-2-7B
and Llama-3-8B in bfloat16 at 64-512 tokens (108 MiB and 380 MiB measured at 512 tokens; the peak is the output
layer's logits, and it does not grow with the number of layers, as the 6-layer tiny model shows: one layer's
tensors are freed before the next runs). The estimate is at least the measured peak and at most 1.3 times it.
Not included: a capture that keeps every hook of every layer (run_with_cache without names_filter: 4.9 GB for
Llama-2-7B in bfloat16 at 512 tokens), which is what a page holds while it draws, and the allocator's and
framework's own overhead (on a GPU, CUDA's context: several hundred MB, not measured here).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from .config import ModelConfig, count_parameters, kv_cache_bytes

# The app and the CLI run prompts of at most this many tokens (fewer where the model's context is shorter): a capture
# holds every hook of every layer, about 0.28 MB per token for the tiny model (72 MB at its full 256 tokens); for
# Llama-2-7B in bfloat16 0.49 GB at 64 tokens, 4.9 GB at 512 and ~100 GB at its 4,096 (the scores and pattern of
# every head grow with the square of the length). Measured: the tiny model run here, the 7B's hooks on the meta
# device. The memory guard estimates for this many tokens, not the model's full context.
WORKING_CONTEXT = 512

DTYPE_ENV = "LLAMA_EDU_DTYPE"  # the teacher's choice at server start: float32, bfloat16, float16 or auto
DTYPE_CHOICES = ("auto", "float32", "bfloat16", "float16")
# float32 is chosen on a CPU only where its estimate fits this many times over: loading peaks above the weights
# (1.19x measured for a 7B in bfloat16, issue 15), and a model that just fits leaves the server and the OS nothing.
FLOAT32_HEADROOM = 1.25
_ASK = object()  # estimate(available=...) not given: ask the device


def working_context(cfg: ModelConfig) -> int:
    """How many tokens the app and CLI run at most: the model's context, or WORKING_CONTEXT where that is longer."""
    return min(cfg.max_seq_len, WORKING_CONTEXT)


@dataclass
class MemoryEstimate:
    weights: int
    kv_cache: int
    activations: int
    available: int | None  # None: unknown
    seq_len: int  # the tokens this estimate is for
    rope_tables: int = 0  # cos and sin for every position of the full context, built at load whatever runs

    @property
    def working(self) -> int:
        """Everything but the weights: KV cache, activations and the RoPE tables."""
        return self.kv_cache + self.activations + self.rope_tables

    @property
    def total(self) -> int:
        return self.weights + self.working

    @property
    def fits(self) -> bool:
        return self.available is None or self.total <= self.available


def dtype_bytes(dtype: torch.dtype) -> int:
    return torch.empty(0, dtype=dtype).element_size()


def activation_bytes(cfg: ModelConfig, dtype: torch.dtype, seq_len: int, batch_size: int = 1) -> int:
    """The most tensor memory alive at once in one forward pass over seq_len tokens (weights and KV cache apart).

    A layer's tensors are freed before the next layer runs, so the peak is the largest of three moments, on top of
    the residual stream (x, h and RMSNorm's float32 copies):
        attention      the scores [B, H, T, T] in the model's dtype, their float32 copy for the softmax and its
                       float32 result (model.py Attention.attend), and q, k, v with k and v repeated for GQA
        feed-forward   gate, silu(gate), up and their product [B, T, F]
        output layer   the logits [B, T, V] in the model's dtype and in float32
    """
    b, n = dtype_bytes(dtype), batch_size * seq_len
    upcast = 4 if b < 4 else 0  # .float() of a float32 tensor is the tensor itself, of a bfloat16 one a copy
    stream = 4 * n * cfg.dim * 4
    attention = batch_size * cfg.n_heads * seq_len * seq_len * (b + upcast + 4) + 6 * n * cfg.dim * b
    feed_forward = 4 * n * cfg.hidden_dim * b
    logits = n * cfg.vocab_size * (4 + (b if upcast else 0))
    return stream + max(attention, feed_forward, logits)


def estimate(cfg: ModelConfig, device: torch.device, dtype: torch.dtype, seq_len: int | None = None,
             batch_size: int = 1, *, available=_ASK) -> MemoryEstimate:
    """Memory to load the model and run seq_len tokens (default: working_context(cfg), what the app and CLI run;
    pass cfg.max_seq_len for the full context). available: bytes free (None: unknown); by default the device's."""
    seq_len = seq_len or working_context(cfg)
    b = dtype_bytes(dtype)
    return MemoryEstimate(weights=count_parameters(cfg) * b, kv_cache=kv_cache_bytes(cfg, seq_len, batch_size, b),
                          activations=activation_bytes(cfg, dtype, seq_len, batch_size),
                          available=available_bytes(device) if available is _ASK else available, seq_len=seq_len,
                          rope_tables=rope_table_bytes(cfg))


def rope_table_bytes(cfg: ModelConfig) -> int:
    """The model's cos and sin tables: [max_seq_len, head_dim / 2] each, in float32 (llama_edu/model.py), for the
    full context: 64 MiB for Llama 3.1's 131,072 positions, and what keeps a config that claims millions of
    positions on small weights from passing the guard."""
    return 2 * cfg.max_seq_len * (cfg.head_dim // 2) * 4


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
    """The estimate (for seq_len tokens, default the working context), or a MemoryError with the numbers when the
    model will not fit."""
    est = estimate(cfg, device, dtype, seq_len)
    if not est.fits:
        gib = 1024 ** 3
        raise MemoryError(
            f"{cfg.name} needs about {est.total / gib:.1f} GiB on {device.type} in {str(dtype).removeprefix('torch.')} "
            f"(weights {est.weights / gib:.1f} GiB + KV cache {est.kv_cache / gib:.2f} GiB + activations "
            f"{est.activations / gib:.2f} GiB for {est.seq_len:,} tokens), but only "
            f"{est.available / gib:.1f} GiB is free")
    return est


# ---- choosing the dtype ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DtypeChoice:
    """The dtype a model runs in and why: `reason` is one of
        requested          the teacher chose it (LLAMA_EDU_DTYPE or --dtype)
        gpu_bf16           a GPU that computes in bfloat16: half of float32's memory with float32's range
        gpu_no_bf16        a GPU without bfloat16 (a T4, compute capability 7.5): float16, half the memory
        cpu_float32_fits   a CPU with room for float32: exact, and small models are fast enough in it
        cpu_float32_too_big  a CPU where float32 would not fit (with FLOAT32_HEADROOM): bfloat16 halves the weights
    float32_bytes and available: the float32 estimate and the free memory it was compared with (CPU choices)."""
    dtype: torch.dtype
    reason: str
    float32_bytes: int | None = None
    available: int | None = None

    @property
    def name(self) -> str:
        return str(self.dtype).removeprefix("torch.")


def requested_dtype(value: str | None = None) -> str:
    """The teacher's choice: `value`, else the LLAMA_EDU_DTYPE environment variable, else "auto". A ValueError names
    the allowed values."""
    value = (value if value is not None else os.environ.get(DTYPE_ENV, "auto")).strip().lower() or "auto"
    if value not in DTYPE_CHOICES:
        raise ValueError(f"{DTYPE_ENV} must be one of {', '.join(DTYPE_CHOICES)}, got {value!r}")
    return value


def choose_dtype(cfg: ModelConfig, device: torch.device, available: int | None, requested: str = "auto",
                 bf16_supported: bool | None = None, seq_len: int | None = None) -> DtypeChoice:
    """The dtype to load cfg in on device: the requested one unless it is "auto"; else bfloat16 on a GPU that has it,
    float16 on one that does not, float32 on a CPU where it fits FLOAT32_HEADROOM times over in `available` bytes
    (None: unknown, assumed to fit) at seq_len tokens (default the working context), bfloat16 on a CPU where it does
    not (which the memory guard may still refuse). bf16_supported: the GPU's answer, asked of torch when None."""
    requested = requested_dtype(requested)
    if requested != "auto":
        return DtypeChoice(getattr(torch, requested), "requested")
    if device.type == "cuda":
        if bf16_supported is None:
            # Not emulation: by default torch also says True on a T4, where bfloat16 only runs emulated (slowly).
            bf16_supported = torch.cuda.is_bf16_supported(including_emulation=False)
        return DtypeChoice(torch.bfloat16, "gpu_bf16") if bf16_supported else DtypeChoice(torch.float16, "gpu_no_bf16")
    need = estimate(cfg, device, torch.float32, seq_len, available=available)
    if available is None or need.total * FLOAT32_HEADROOM <= available:
        return DtypeChoice(torch.float32, "cpu_float32_fits", need.total, available)
    return DtypeChoice(torch.bfloat16, "cpu_float32_too_big", need.total, available)
