"""What limits the speed of inference: the FLOPs a step computes against the bytes it must read, and a GPU's two
ceilings (the roofline model: Williams, Waterman & Patterson, "Roofline", Communications of the ACM, 2009).

    arithmetic intensity = FLOPs / bytes read                       (FLOP per byte)
    attainable FLOP/s    = min(peak FLOP/s, bandwidth * intensity)  (the roofline)
    ridge point          = peak FLOP/s / bandwidth                  (the intensity where the two ceilings meet)

A matrix of k x n weights applied to m tokens does 2*m*k*n FLOPs (a multiply and an add per weight and token) and
reads the k*n weights once, whatever m is. One token (m = 1, a matrix-vector product, as in decoding one sequence)
makes about 2 FLOPs per weight, 1 FLOP per byte of 2-byte weights; m tokens (a prompt's prefill, or a batch of m
sequences decoding together) make about m times as many FLOPs per byte. A GPU computes far faster than it reads:
below its ridge point (hundreds of FLOPs per byte) a step waits for memory, above it for the arithmetic units.

    decode_step   one step of generation for `batch` sequences at `context` tokens: every weight read once for all of
                  them, each sequence's KV cache read whole
    prefill       a prompt of n tokens in one pass
    StepCost      FLOPs, bytes and the time each ceiling allows: the step takes the longer of the two
    measure_decode  this machine's real time per generated token, bounded to a fraction of a second

FLOPs are those of the matrix products (kvcache.forward_multiply_adds: projections, feed-forward, attention's q k^T
and pattern @ v, the output layer for the new token). Bytes are the weights (config.weights_bytes: every parameter,
the embedding table too, though a step only looks up one row of it per token) and the KV cache
(config.kv_cache_bytes); activations are left out: a few MB per token against GBs of weights. These are upper
bounds: real kernels reach neither ceiling fully.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from .config import ModelConfig, kv_cache_bytes, weights_bytes
from .generate import Decoding
from .kvcache import forward_multiply_adds
from .model import Transformer
from .timing import Spread, one_cpu_thread, timed_ms


# ---- GPUs ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GPU:
    """A GPU's two ceilings, as its maker's datasheet states them (lessons/SOURCES.md)."""
    name: str
    peak_flops: float  # FLOP/s of its tensor cores in bfloat16, dense (the datasheets' larger figure is with 2:4 sparsity)
    bandwidth: float  # bytes/s its memory (HBM) delivers
    memory: float  # bytes of GPU memory, as stated (decimal GB)
    source: str

    @property
    def ridge(self) -> float:
        """FLOPs per byte above which the arithmetic, not the memory, limits the speed."""
        return self.peak_flops / self.bandwidth

    def attainable(self, intensity: float) -> float:
        """The roofline: FLOP/s a computation of this arithmetic intensity can reach at most."""
        return min(self.peak_flops, self.bandwidth * intensity)


GPUS = {
    "A100 80GB SXM": GPU("A100 80GB SXM", 312e12, 2.039e12, 80e9, "NVIDIA A100 Tensor Core GPU datasheet"),
    "H100 SXM": GPU("H100 SXM", 989e12, 3.35e12, 80e9, "NVIDIA H100 Tensor Core GPU datasheet"),
    "H200 SXM": GPU("H200 SXM", 989e12, 4.8e12, 141e9, "NVIDIA H200 Tensor Core GPU datasheet"),
}

# Bytes per weight the calculator offers: bfloat16, and weight-only quantisation to 8 or 4 bits (the weights are read
# in fewer bytes and turned back into bfloat16 to compute). The KV cache stays in bfloat16.
WEIGHT_BYTES = {"bfloat16": 2, "int8": 1, "int4": 0.5}
KV_BYTES = 2


# ---- one matrix product ----------------------------------------------------------------------------------------------
def matmul_flops(m: int, k: int, n: int) -> int:
    """[m, k] @ [k, n]: one multiply and one add per weight and token."""
    return 2 * m * k * n


def matmul_bytes(m: int, k: int, n: int, bytes_per_value: float = 2) -> float:
    """Bytes read and written: the k x n weights once, the m input rows, the m output rows."""
    return bytes_per_value * (k * n + m * k + m * n)


def matmul_intensity(m: int, k: int, n: int, bytes_per_value: float = 2) -> float:
    """FLOPs per byte of m tokens through a k x n weight matrix: about 2 / bytes_per_value for m = 1, about m times
    that while m is small against k and n."""
    return matmul_flops(m, k, n) / matmul_bytes(m, k, n, bytes_per_value)


# ---- a step of inference -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StepCost:
    """One forward pass: what it computes, what it reads, and how many tokens it yields."""
    flops: float
    weight_bytes: float
    kv_bytes: float  # the KV cache read (decode) or written (prefill)
    tokens: int  # new tokens out of a decode step (one per sequence), or prompt tokens a prefill takes in

    @property
    def bytes(self) -> float:
        return self.weight_bytes + self.kv_bytes

    @property
    def intensity(self) -> float:
        return self.flops / self.bytes

    def memory_seconds(self, gpu: GPU) -> float:
        """The least time to read the bytes once at the GPU's full bandwidth."""
        return self.bytes / gpu.bandwidth

    def compute_seconds(self, gpu: GPU) -> float:
        """The least time to compute the FLOPs at the GPU's peak."""
        return self.flops / gpu.peak_flops

    def seconds(self, gpu: GPU) -> float:
        """The roofline's time for the step: whichever ceiling takes longer."""
        return max(self.memory_seconds(gpu), self.compute_seconds(gpu))

    def memory_bound(self, gpu: GPU) -> bool:
        return self.intensity < gpu.ridge

    def tokens_per_second(self, gpu: GPU) -> float:
        """At most this many tokens per second on this GPU (all sequences of the batch together)."""
        return self.tokens / self.seconds(gpu)


def decode_step(cfg: ModelConfig, batch: int = 1, context: int = 1, weight_bytes_per_value: float = 2,
                kv_bytes_per_value: float = KV_BYTES) -> StepCost:
    """One generation step of `batch` sequences whose new token attends over `context` tokens (itself included): the
    weights are read once for the whole batch, each sequence's KV cache of `context` tokens is read whole."""
    if batch < 1 or context < 1:
        raise ValueError(f"batch and context must be at least 1, got {batch} and {context}")
    return StepCost(flops=batch * 2 * forward_multiply_adds(cfg, 1, context),
                    weight_bytes=weights_bytes(cfg, weight_bytes_per_value),
                    kv_bytes=batch * kv_cache_bytes(cfg, context, 1, kv_bytes_per_value), tokens=batch)


def prefill(cfg: ModelConfig, n_tokens: int, weight_bytes_per_value: float = 2,
            kv_bytes_per_value: float = KV_BYTES) -> StepCost:
    """A prompt of n_tokens in one pass (one sequence): every weight read once for all of its tokens, its keys and
    values written to the cache."""
    if n_tokens < 1:
        raise ValueError(f"a prompt has at least one token, got {n_tokens}")
    return StepCost(flops=2 * forward_multiply_adds(cfg, n_tokens, n_tokens),
                    weight_bytes=weights_bytes(cfg, weight_bytes_per_value),
                    kv_bytes=kv_cache_bytes(cfg, n_tokens, 1, kv_bytes_per_value), tokens=n_tokens)


def weights_read_per_token(cfg: ModelConfig, weight_bytes_per_value: float = 2) -> float:
    """Bytes of weights one sequence's decode step really needs: every weight, but of the embedding table only the
    new token's row (a lookup). A model that ties its embedding to its output layer multiplies by the whole table
    there, so nothing is saved."""
    unread_rows = 0 if cfg.tie_word_embeddings else cfg.vocab_size - 1
    return weights_bytes(cfg, weight_bytes_per_value) - unread_rows * cfg.dim * weight_bytes_per_value


def bandwidth_bound(cfg: ModelConfig, gpu: GPU, weight_bytes_per_value: float = 2,
                    whole_embedding_table: bool = True) -> float:
    """Tokens per second one sequence cannot exceed on this GPU at one token per step (speculative decoding, which
    checks several guessed tokens in one pass, can beat it): its bandwidth over the bytes of the weights, which every
    step must read (the cache and the arithmetic only lower it). The whole embedding table is counted, as
    weights_bytes counts it, unless whole_embedding_table is False: then only the row a step looks up."""
    read = weights_bytes(cfg, weight_bytes_per_value) if whole_embedding_table else \
        weights_read_per_token(cfg, weight_bytes_per_value)
    return gpu.bandwidth / read


def compute_bound_batch(cfg: ModelConfig, gpu: GPU, context: int, weight_bytes_per_value: float = 2,
                        kv_bytes_per_value: float = KV_BYTES) -> int | None:
    """The smallest batch whose decode step takes longer to compute than to read, or None if no batch does: each
    sequence adds its FLOPs and its cache's bytes, and where the cache takes longer to read than the FLOPs take to
    compute, adding sequences never catches up with the memory."""
    one = decode_step(cfg, 1, context, weight_bytes_per_value, kv_bytes_per_value)
    per_sequence = one.compute_seconds(gpu) - one.kv_bytes / gpu.bandwidth  # what each sequence adds to each side
    if per_sequence <= 0:
        return None
    return math.ceil(one.weight_bytes / gpu.bandwidth / per_sequence)


def batch_that_fits(cfg: ModelConfig, gpu: GPU, context: int, weight_bytes_per_value: float = 2,
                    kv_bytes_per_value: float = KV_BYTES) -> int:
    """How many sequences of `context` tokens fit their KV caches beside the weights in the GPU's memory (0: the
    weights alone do not fit). Activations and the framework's own memory are left out."""
    room = gpu.memory - weights_bytes(cfg, weight_bytes_per_value)
    return max(0, int(room // kv_cache_bytes(cfg, context, 1, kv_bytes_per_value)))


# ---- measured here -----------------------------------------------------------------------------------------------
MEASURE_BUDGET_S = 0.3  # the live timing stops after this much time of decode steps


@dataclass
class MeasuredDecode:
    """Decode steps timed on this machine, one sequence: each step's ms, and the bytes one step reads."""
    ms: list[float] = field(default_factory=list)
    bytes_per_step: float = 0.0  # weights (in the model's dtype) and the cache at the last step's context

    @property
    def per_token(self) -> Spread:
        return Spread.of(self.ms)

    @property
    def tokens_per_second(self) -> float:
        return 1000 / self.per_token.median

    @property
    def bytes_per_second(self) -> float:
        """The bandwidth the steps would need if every byte came from memory once: bytes per step / time per step."""
        return self.bytes_per_step * self.tokens_per_second


@torch.inference_mode()
def measure_decode(model: Transformer, prompt_ids: list[int], most_steps: int = 16,
                   budget_s: float = MEASURE_BUDGET_S) -> MeasuredDecode:
    """Greedy decoding with the KV cache (generate()'s own steps, replayed from a CUDA graph on a GPU), each decode
    step timed (on one CPU thread on a CPU, llama_edu.timing). The prompt's pass and the first decode step run
    untimed (memory, kernels, the graph's recording); then at most most_steps steps, stopping early once the timed
    steps add up to budget_s. Needs room in the context for 2 + 1 new tokens at least."""
    cfg, device = model.cfg, model.device
    n_new = min(most_steps + 2, cfg.max_seq_len - len(prompt_ids))
    if n_new < 3:
        raise ValueError(f"the prompt leaves {max(n_new, 0)} of the context's {cfg.max_seq_len} tokens; 3 are needed")
    decoding = Decoding(model, prompt_ids, n_new)
    element = model.tok_embeddings.weight.element_size()
    run = MeasuredDecode()
    with one_cpu_thread(device):
        decoding.step()  # the prompt's pass (prefill)
        decoding.step()  # the first decode step: warm-up
        while not decoding.done and (not run.ms or sum(run.ms) < budget_s * 1000):
            _, ms = timed_ms(decoding.step, device)
            run.ms.append(ms)
    run.bytes_per_step = weights_bytes(cfg, element) + kv_cache_bytes(cfg, len(decoding.ids) - 1, 1, element)
    return run
