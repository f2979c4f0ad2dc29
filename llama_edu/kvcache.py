"""What the KV cache costs and what it buys: its memory, worked out from the config, and the time per generated
token with it and without it, measured on the real model.

    bytes = 2 (K and V) * n_layers * n_kv_heads * head_dim * seq_len * batch * bytes_per_value

The cache itself is llama_edu.model.KVCache, filled by Transformer.forward; its size formula is
llama_edu.config.kv_cache_bytes. This module only uses the two: every memory number below comes from
kv_cache_bytes, every timed pass is the model's own forward.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from functools import partial

import torch

from .config import ModelConfig, count_parameters, kv_cache_bytes
from .model import Transformer
from .timing import Spread, one_cpu_thread, speedup, timed_ms

GIB = 1024 ** 3


# ---- memory ----------------------------------------------------------------------------------------------------
def as_mha(cfg: ModelConfig) -> ModelConfig:
    """The same model with one key/value head per query head (multi-head attention)."""
    return cfg.replace(n_kv_heads=cfg.n_heads)


# The Llama releases whose KV cache the app compares (their published configurations, config.PRESETS), at 4,096
# tokens: Llama 2's context, which every one of them supports.
COMPARED_RELEASES = ["llama-2-7b", "llama-2-13b", "llama-2-70b", "llama-3-8b", "llama-3-70b", "llama-3.1-405b"]
COMPARED_CONTEXT = 4096


def kv_cache_rows(configs: dict[str, ModelConfig], seq_len: int = 4096, bytes_per_value: float = 2) -> list[dict]:
    """KV cache of one sequence of seq_len tokens, if the model had one KV head per query head, and as built, in GiB;
    "saved" is how many times smaller it is as built (1 for an MHA model). Keys: llama_edu/strings/columns.yaml."""
    rows = []
    for name, cfg in configs.items():
        mha = kv_cache_bytes(as_mha(cfg), seq_len, bytes_per_value=bytes_per_value)
        actual = kv_cache_bytes(cfg, seq_len, bytes_per_value=bytes_per_value)
        rows.append({"model": name, "attention": f"{cfg.attention_kind} {cfg.n_heads}/{cfg.n_kv_heads}",
                     "as_mha_gib": mha / GIB, "as_configured_gib": actual / GIB, "saved": mha / actual})
    return rows


# ---- the course slide's formula, and what it gets wrong -----------------------------------------------------------
def slide_formula_bytes(batch: int, layers: int, heads: int, embedded_dim: int, context: int,
                        bytes_per_value: float = 2) -> int:
    """The course slide's formula, as written: batch * layers * heads * embedded dim * context * 2 * bytes."""
    return int(batch * layers * heads * embedded_dim * context * 2 * bytes_per_value)


def slide_overcount(cfg: ModelConfig) -> tuple[int, int]:
    """How far the slide's heads * embedded_dim exceeds the real n_kv_heads * head_dim, split into its two causes:
    (dim / head_dim = n_heads: a whole model width per head, n_heads / n_kv_heads: query heads counted, not KV)."""
    return cfg.dim // cfg.head_dim, cfg.n_heads // cfg.n_kv_heads


@dataclass
class SlideCorrection:
    """The slide's KV-cache number next to the correct one, for one model, batch, context and dtype."""
    slide_bytes: int  # batch * layers * heads * dim * context * 2 * bytes, as the slide writes it
    per_width: int  # overcount from storing a whole model width per head (= n_heads)
    per_sharing: int  # overcount from counting query heads instead of KV heads (= n_heads / n_kv_heads)
    correct_batch_bytes: int  # kv_cache_bytes for the whole batch
    correct_one_bytes: int  # ... for one sequence
    mha_one_bytes: int  # ... for one sequence if every query head had its own K and V (MHA)


def slide_correction(cfg: ModelConfig, batch: int = 64, context: int = 4096,
                     bytes_per_value: float = 2) -> SlideCorrection:
    per_width, per_sharing = slide_overcount(cfg)
    return SlideCorrection(
        slide_bytes=slide_formula_bytes(batch, cfg.n_layers, cfg.n_heads, cfg.dim, context, bytes_per_value),
        per_width=per_width, per_sharing=per_sharing,
        correct_batch_bytes=kv_cache_bytes(cfg, context, batch, bytes_per_value),
        correct_one_bytes=kv_cache_bytes(cfg, context, 1, bytes_per_value),
        mha_one_bytes=kv_cache_bytes(as_mha(cfg), context, 1, bytes_per_value))


# ---- time per generated token, with and without the cache ----------------------------------------------------------
DEMO_TRIES = 5  # tries of every step in the live demo; the step's time is their median
# The demo's sequence ends at most here: the tiny model's whole context. Near its end, a pass without the cache runs
# ~250 positions and the cache's saving stands well above the fixed cost of a call; with 10-20 new tokens the demo
# still runs in a few seconds on a laptop CPU.
DEMO_MAX_CONTEXT = 256
DEMO_MOST_NEW = 16

# On a CPU, a model of more than DEMO_CPU_PARAMS parameters takes a second or more per pass (a 7B reads 13.5 GB of
# weights for every token it adds; at 256 positions one pass without the cache is ~3.5 T multiply-adds): the full
# demo would hold the model for many minutes. There it runs a short sequence, each step once.
DEMO_CPU_PARAMS = 50_000_000


@dataclass(frozen=True)
class DemoPlan:
    """How much the live demo runs: its sequence ends at most at max_context, after at most most_new new tokens,
    each step timed `tries` times. bounded: cut down for a large model on a CPU (the page says so)."""
    max_context: int
    most_new: int
    tries: int
    bounded: bool


FULL_DEMO = DemoPlan(DEMO_MAX_CONTEXT, DEMO_MOST_NEW, DEMO_TRIES, bounded=False)
SLOW_DEMO = DemoPlan(48, 4, 1, bounded=True)


def demo_plan(cfg: ModelConfig, device_type: str) -> DemoPlan:
    plan = SLOW_DEMO if device_type == "cpu" and count_parameters(cfg) > DEMO_CPU_PARAMS else FULL_DEMO
    return dataclasses.replace(plan, max_context=min(cfg.max_seq_len, plan.max_context))


def demo_prompt_length(cfg: ModelConfig, n_new: int, max_context: int = DEMO_MAX_CONTEXT) -> int:
    """How long the demo's prompt is made, so that n_new tokens end the sequence at min(context, max_context)."""
    return min(cfg.max_seq_len, max_context) - n_new


def forward_multiply_adds(cfg: ModelConfig, n_positions: int, n_keys: int, n_logits: int = 1) -> int:
    """Multiply-adds of the matrix products in one forward pass that runs n_positions positions whose queries each
    attend over n_keys keys, and computes logits for n_logits positions (the last one, as generation does).

    Per layer and position: wq (D x H*hd), wk and wv (D x Hkv*hd each), wo (H*hd x D), and the feed-forward's w1, w3
    (D x F each) and w2 (F x D). Attention adds q k^T and pattern @ v: H * hd per query and key, twice, for the whole
    [T, S] matrix that Attention.attend computes (masked entries too). The output layer is D x V per logit position.
    Norms, RoPE and softmax are a few operations per number, not products of matrices: they are left out.
    """
    d, h, hkv, hd, f = cfg.dim, cfg.n_heads, cfg.n_kv_heads, cfg.head_dim, cfg.hidden_dim
    projections = d * h * hd + 2 * d * hkv * hd + h * hd * d  # wq, wk, wv, wo
    feed_forward = 3 * d * f  # w1, w3, w2
    attention = 2 * h * hd * n_positions * n_keys  # q k^T and pattern @ v
    per_layer = n_positions * (projections + feed_forward) + attention
    return cfg.n_layers * per_layer + n_logits * d * cfg.vocab_size


@dataclass
class DecodeRun:
    """One greedy generation, step by step. Step k is the forward pass that chose generated token k."""
    tokens: list[int] = field(default_factory=list)
    tries_ms: list[list[float]] = field(default_factory=list)  # every timed try of that forward pass
    tokens_processed: list[int] = field(default_factory=list)  # positions it ran: the prompt, then 1 or all
    seq_len: list[int] = field(default_factory=list)  # tokens in the sequence when the step ran
    multiply_adds: list[int] = field(default_factory=list)  # of its matrix products (forward_multiply_adds)
    cache_shapes: list[tuple[int, ...]] = field(default_factory=list)  # filled part of keys[0] after the step
    cache_bytes: list[int] = field(default_factory=list)  # cache.nbytes() after the step

    def add_step(self, token: int, tries_ms: list[float], processed: int, seq_len: int, multiply_adds: int,
                 cache_shape: tuple[int, ...] = (), cache_bytes: int = 0) -> None:
        self.tokens.append(token)
        self.tries_ms.append(list(tries_ms))
        self.tokens_processed.append(processed)
        self.seq_len.append(seq_len)
        self.multiply_adds.append(multiply_adds)
        self.cache_shapes.append(cache_shape)
        self.cache_bytes.append(cache_bytes)

    @property
    def spreads(self) -> list[Spread]:
        """Each step's tries: median, fastest, slowest."""
        return [Spread.of(tries) for tries in self.tries_ms]

    @property
    def ms(self) -> list[float]:
        """Each step's time: the median of its tries."""
        return [s.median for s in self.spreads]

    def per_token(self) -> Spread:
        """The time of one generated token: over the decode steps (step 0, the prompt's pass, is the same work with
        and without the cache and is left out), each step's median; their median is the answer."""
        if len(self.tries_ms) < 2:
            raise ValueError("a run needs at least 2 steps: the prompt's pass, then one decode step")
        return Spread.of(self.ms[1:])


def decode_speedup(with_cache: DecodeRun, without_cache: DecodeRun) -> float:
    """How many times faster one generated token is with the cache: the ratio of the medians (per_token), never of
    the sums, which a single slow try would decide."""
    return speedup(without_cache.per_token(), with_cache.per_token())


@torch.inference_mode()
def decode_steps(model: Transformer, prompt_ids: list[int], n_new: int, tries: int = DEMO_TRIES, *,
                 each_try: bool = False):
    """Greedy generation of n_new tokens with a KV cache and without one, one step of each per iteration: yields
    (with_cache, without_cache), the two runs so far, after every step. A caller that runs each step as its own
    call (the app, in the model's queue) lets other students' calls go between them. each_try=True also yields
    None after every try but a step's last: each call then runs one pass of each path (a tenth of a second on the
    tiny model at 256 tokens, where a step of five tries is half a second), and others wait behind that.

    What is measured: the one forward pass each step needs, `tries` times, on one CPU thread (llama_edu.timing);
    the step's time is the median of its tries. The two paths alternate try by try, so a change in machine load
    hits both alike. Every try starts from the same state: the pass without a cache changes nothing, so it is simply
    run again; the pass with a cache writes its keys and values and advances cache.length, so each try runs on its
    own copy of the cache as it stood before the step (copied before the clock starts), and the last try's copy,
    advanced by the model's forward as any generation advances it, carries on to the next step.
    """
    if n_new < 1 or len(prompt_ids) + n_new > model.cfg.max_seq_len:
        raise ValueError(f"need 1 <= n_new and prompt + n_new <= {model.cfg.max_seq_len}, got "
                         f"{len(prompt_ids)} + {n_new}")
    device, cfg = model.device, model.cfg
    cache = model.new_kv_cache(max_len=len(prompt_ids) + n_new)
    cached_input = torch.tensor([prompt_ids], device=device)  # [1, T]: the prompt first (prefill), then 1 token
    full_sequence = torch.tensor([prompt_ids], device=device)  # [1, T + k]: everything, every step
    with_cache, without_cache = DecodeRun(), DecodeRun()
    for _ in range(n_new):
        cached_ms, full_ms = [], []
        for attempt in range(max(1, tries)):
            if each_try and attempt:
                yield None  # between two tries: the caller may let others use the model
            with one_cpu_thread(device):  # set and restored per try: the thread count is the whole process's
                step_cache = copy.deepcopy(cache)  # [B, Hkv, max_len, hd] per layer, as before this step
                cached_logits, ms = timed_ms(partial(model, cached_input, cache=step_cache, last_only=True), device)
                cached_ms.append(ms)
                full_logits, ms = timed_ms(partial(model, full_sequence, last_only=True), device)
                full_ms.append(ms)
        cache = step_cache
        token = int(cached_logits[0, -1].argmax())
        filled = cache.keys[0][:, :, :cache.length]  # [B, Hkv, t, hd]
        n_run = cached_input.shape[1]
        with_cache.add_step(token, cached_ms, n_run, cache.length, forward_multiply_adds(cfg, n_run, cache.length),
                            tuple(filled.shape), cache.nbytes())
        cached_input = torch.tensor([[token]], device=device)  # [1, 1]

        token = int(full_logits[0, -1].argmax())
        n_run = full_sequence.shape[1]
        without_cache.add_step(token, full_ms, n_run, n_run, forward_multiply_adds(cfg, n_run, n_run))
        full_sequence = torch.cat([full_sequence, torch.tensor([[token]], device=device)], dim=1)  # [1, T + k + 1]
        yield with_cache, without_cache


def compare_decoding(model: Transformer, prompt_ids: list[int], n_new: int,
                     tries: int = DEMO_TRIES) -> tuple[DecodeRun, DecodeRun]:
    """decode_steps run to the end in one call: (with_cache, without_cache); each path chooses its own tokens."""
    runs = None
    for runs in decode_steps(model, prompt_ids, n_new, tries):
        pass
    return runs


def repeat_to_length(ids: list[int], length: int, keep: int = 1) -> list[int]:
    """A longer prompt for the timing demo: the first `keep` tokens (the BOS, where the tokenizer adds one), then the
    others repeated; exactly `length` long."""
    body = ids[keep:] or ids
    return (ids[:keep] + body * (length // len(body) + 1))[:length]
