"""Fewer bits per weight: rounding weight matrices (and the KV cache) to int8 or int4, the memory that saves, and what
it costs the model.

A quantised matrix stores small integers (codes) and, for each group of weights, a scale that turns them back into
numbers. Two ways to map a group w onto b-bit codes:

    symmetric (absmax)  s = max|w| / qmax,  qmax = 2^(b-1) - 1 (127 for int8, 7 for int4)
                        q = round(w / s), in [-qmax, qmax]                             w' = s · q
    with a zero point   s = (max w - min w) / (2^b - 1),  z = round(-min w / s)
                        q = round(w / s) + z, in [0, 2^b - 1]                          w' = s · (q - z)

The zero point is the code that stands for 0.0: it lets the grid sit where the group's values are instead of around
zero (the range is widened to include 0.0 where a group lies on one side of it, so 0.0 is always a code, as in
Jacob et al. 2018 and AWQ's reference code). Which weights share one scale is the granularity:

    per tensor    one scale for the whole matrix: one large weight stretches the grid for every other weight
    per channel   one scale per output channel (a row of the [out, in] weight: one output number's weights)
    per group     one scale per `group_size` consecutive weights of a row (GPTQ and AWQ checkpoints: 128)

Every scale costs memory too: a 16-bit scale per 128 int4 weights adds 16/128 = 0.125 bits to each weight's 4.
The codes here are held one per int16 and the model runs on the dequantised float32 weights (simulated quantisation:
the numbers a real int4 kernel would multiply, without its speed); a real checkpoint packs two int4 codes per byte.
`weight_memory` counts the bytes a real checkpoint of a preset needs; `quantised_copy` rounds a copy of a loaded model.
As quantised checkpoints (GPTQ, AWQ) do, only the blocks' linear layers are rounded: the embedding table, the output
layer and the norms' gains stay in 16 bits.
"""

from __future__ import annotations

import copy
import math
import random
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .config import ModelConfig, count_parameters, kv_cache_bytes

PER_TENSOR, PER_CHANNEL = "tensor", "channel"
SCALE_BITS = 16  # every scale (and zero point's container) is stored as one 16-bit float, as GPTQ and AWQ store it
GB = 1e9  # bytes in a (decimal) gigabyte, as memory is sold and checkpoints are listed


@dataclass(frozen=True)
class Scheme:
    """How a weight matrix is rounded: `bits` per code, which weights share a scale (`granularity`: "tensor",
    "channel" or a group size such as 128), and whether each group also stores a zero point."""
    bits: int
    granularity: str | int = PER_CHANNEL
    zero_point: bool = False

    def __post_init__(self):
        if not 2 <= self.bits <= 8:
            raise ValueError(f"bits must be 2 to 8, got {self.bits}")
        if self.granularity not in (PER_TENSOR, PER_CHANNEL) and not (
                isinstance(self.granularity, int) and not isinstance(self.granularity, bool) and self.granularity > 0):
            raise ValueError(f"granularity must be 'tensor', 'channel' or a group size, got {self.granularity!r}")

    @property
    def qmax(self) -> int:
        """The largest code of the symmetric grid: 127 for int8, 7 for int4 (codes -qmax..qmax)."""
        return 2 ** (self.bits - 1) - 1

    def n_groups(self, rows: int, cols: int) -> int:
        """How many scales a [rows, cols] matrix needs: 1, one per row, or one per group of each row (the last group
        of a row may be shorter)."""
        if self.granularity == PER_TENSOR:
            return 1
        if self.granularity == PER_CHANNEL:
            return rows
        return rows * math.ceil(cols / self.granularity)

    def matrix_bytes(self, rows: int, cols: int) -> tuple[float, float]:
        """(bytes of the codes, bytes of the scales and zero points) of a [rows, cols] matrix stored this way."""
        groups = self.n_groups(rows, cols)
        extra = groups * (SCALE_BITS + (self.bits if self.zero_point else 0)) / 8  # a zero point is one more code
        return rows * cols * self.bits / 8, extra


# ---- rounding a matrix -------------------------------------------------------------------------------------------
@dataclass
class Quantised:
    """A matrix as codes and scales (and zero points).   codes [G, n] (int16, one code each), scales and zeros [G, 1]:
    G groups of n weights (the last group of each row padded; `shape` says what is real)."""
    codes: torch.Tensor
    scales: torch.Tensor
    zeros: torch.Tensor | None
    scheme: Scheme
    shape: tuple[int, int]

    def dequantise(self) -> torch.Tensor:
        """w' = s · q, or s · (q - z) with a zero point: the float32 matrix a kernel multiplies by.   [rows, cols]"""
        q = self.codes.float()
        if self.zeros is not None:
            q = q - self.zeros
        rows, cols = self.shape
        return (q * self.scales).reshape(rows, -1)[:, :cols]


def _grouped(w: torch.Tensor, scheme: Scheme) -> tuple[torch.Tensor, torch.Tensor]:
    """w [rows, cols] as groups [G, n] and a mask of the real (not padding) entries."""
    rows, cols = w.shape
    if scheme.granularity == PER_TENSOR:
        return w.reshape(1, -1), torch.ones(1, rows * cols, dtype=torch.bool, device=w.device)
    size = cols if scheme.granularity == PER_CHANNEL else min(scheme.granularity, cols)
    pad = -cols % size
    real = torch.ones(rows, cols, dtype=torch.bool, device=w.device)
    return F.pad(w, (0, pad)).reshape(-1, size), F.pad(real, (0, pad)).reshape(-1, size)


def quantise(w: torch.Tensor, scheme: Scheme) -> Quantised:
    """Round a weight matrix [out, in] to `scheme.bits`-bit codes with one scale per group (see the module's top)."""
    if w.dim() != 2:
        raise ValueError(f"expected a matrix [out, in], got shape {tuple(w.shape)}")
    groups, real = _grouped(w.detach().float(), scheme)  # [G, n]
    tiny = torch.finfo(torch.float32).tiny  # a group of zeros gets a scale that is not 0
    if scheme.zero_point:
        top = torch.where(real, groups, -math.inf).amax(-1, keepdim=True).clamp_min(0)  # 0.0 inside the range
        bottom = torch.where(real, groups, math.inf).amin(-1, keepdim=True).clamp_max(0)
        scales = ((top - bottom) / (2 ** scheme.bits - 1)).clamp_min(tiny)
        zeros = (-bottom / scales).round()
        codes = ((groups / scales).round() + zeros).clamp(0, 2 ** scheme.bits - 1)
    else:
        scales = (groups.abs().amax(-1, keepdim=True) / scheme.qmax).clamp_min(tiny)
        zeros = None
        codes = (groups / scales).round().clamp(-scheme.qmax, scheme.qmax)
    return Quantised(codes.to(torch.int16), scales, zeros, scheme, tuple(w.shape))


def round_trip(w: torch.Tensor, scheme: Scheme) -> torch.Tensor:
    """w quantised and dequantised: the weights the quantised model computes with, in w's dtype.   [out, in]"""
    return quantise(w, scheme).dequantise().to(w.dtype)


# ---- a whole model ---------------------------------------------------------------------------------------------
BLOCK_MATRICES = ("attention.wq", "attention.wk", "attention.wv", "attention.wo",
                  "feed_forward.w1", "feed_forward.w2", "feed_forward.w3")


def quantised_names(cfg: ModelConfig, include_output: bool = False) -> list[str]:
    """The linear layers a quantised checkpoint rounds: every block's seven matrices (and the output layer when
    asked), by their parameter names without ".weight"."""
    names = [f"layers.{i}.{m}" for i in range(cfg.n_layers) for m in BLOCK_MATRICES]
    return names + (["output"] if include_output else [])


def quantised_copy(model, scheme: Scheme, include_output: bool = False):
    """A copy of the model whose block matrices (and output layer) hold their round-tripped weights, in the model's
    dtype. The model itself is never changed (a class shares it)."""
    if model.cfg.tie_word_embeddings and include_output:
        raise ValueError("the output layer shares the embedding's weights: round the blocks only")
    rounded = copy.deepcopy(model)
    modules = dict(rounded.named_modules())
    with torch.no_grad():
        for name in quantised_names(model.cfg, include_output):
            weight = modules[name].weight
            weight.copy_(round_trip(weight, scheme))
    return rounded


def rounding_error(model, scheme: Scheme, include_output: bool = False) -> float:
    """How far the rounded weights are from the originals over every quantised matrix: ‖W' - W‖ / ‖W‖ (Frobenius
    norms of all of them together)."""
    modules = dict(model.named_modules())
    error = total = 0.0
    with torch.no_grad():
        for name in quantised_names(model.cfg, include_output):
            w = modules[name].weight.float()
            error += float((round_trip(w, scheme) - w).pow(2).sum())
            total += float(w.pow(2).sum())
    return math.sqrt(error / total)


# ---- memory of a preset --------------------------------------------------------------------------------------------
def block_matrix_shapes(cfg: ModelConfig) -> dict[str, tuple[int, int]]:
    """[out, in] of each of a block's seven matrices (as nn.Linear stores them), from the config alone."""
    d, q, kv, f = cfg.dim, cfg.n_heads * cfg.head_dim, cfg.n_kv_heads * cfg.head_dim, cfg.hidden_dim
    return {"attention.wq": (q, d), "attention.wk": (kv, d), "attention.wv": (kv, d), "attention.wo": (d, q),
            "feed_forward.w1": (f, d), "feed_forward.w2": (d, f), "feed_forward.w3": (f, d)}


@dataclass(frozen=True)
class WeightMemory:
    """Bytes of a model's weights stored with a scheme: the codes, their scales (and zero points), and the parameters
    kept in 16 bits (embedding table, output layer, norms' gains)."""
    codes: float
    scales: float
    kept: float
    quantised_parameters: int

    @property
    def total(self) -> float:
        return self.codes + self.scales + self.kept

    @property
    def bits_per_weight(self) -> float:
        """Bits per quantised weight, the scales' share included: 4.125 for int4 with a 16-bit scale per 128."""
        return 8 * (self.codes + self.scales) / self.quantised_parameters


def weight_memory(cfg: ModelConfig, scheme: Scheme | None = None) -> WeightMemory:
    """The weights of `cfg` with the blocks' matrices stored as `scheme` and the rest in 16 bits; scheme None: all in
    16 bits (bfloat16). Arithmetic on the config: nothing is allocated."""
    shapes = block_matrix_shapes(cfg)
    quantised = cfg.n_layers * sum(rows * cols for rows, cols in shapes.values())
    kept = count_parameters(cfg) - quantised
    if scheme is None:
        return WeightMemory(2 * quantised, 0, 2 * kept, quantised)
    codes = scales = 0.0
    for rows, cols in shapes.values():
        c, s = scheme.matrix_bytes(rows, cols)
        codes, scales = codes + cfg.n_layers * c, scales + cfg.n_layers * s
    return WeightMemory(codes, scales, 2 * kept, quantised)


# The formats a KV cache is stored in: bits per number, and whether each (token, KV head) vector of keys or values
# carries a 16-bit scale (integer formats) or not (bfloat16, and fp8, whose exponent gives every number its own range).
KV_FORMATS = {"bfloat16": (16, False), "fp8": (8, False), "int8": (8, True), "int4": (4, True)}


def kv_memory(cfg: ModelConfig, seq_len: int, kv_format: str = "bfloat16", batch_size: int = 1) -> float:
    """Bytes of the KV cache for seq_len tokens stored as kv_format (KV_FORMATS): config.kv_cache_bytes at bits / 8
    bytes a number, plus, for int8 and int4, one 16-bit scale per token, layer, KV head and K or V."""
    bits, scaled = KV_FORMATS[kv_format]
    scales = 2 * cfg.n_layers * cfg.n_kv_heads * seq_len * batch_size * SCALE_BITS / 8 if scaled else 0
    return kv_cache_bytes(cfg, seq_len, batch_size, bits / 8) + scales


# ---- what it costs the tiny model --------------------------------------------------------------------------------
# The tiny model card's held-out texts (llama_edu.evaluate: the first 400 lines of val.txt) are regenerated here from
# the corpus seed, without data/: val.txt is the stream random.Random("val:0") with every text that also occurs in
# train.txt left out, and among its first 412 texts these are the ones left out (tests check the 400 give the
# card's bits per character exactly).
VAL_STREAM_SEED = "val:0"
VAL_STREAM_SKIPPED = (21, 34, 105, 184, 190, 192, 194, 258, 317, 350, 363, 364)
HELDOUT_TEXTS = 100  # the lessons measure on the first 100 of them: about 7,000 tokens, a second per model


def heldout_texts(n: int = HELDOUT_TEXTS) -> list[str]:
    """The first n (at most 400) of the tiny model card's held-out texts, as val.txt holds them."""
    from .corpus import generate_story
    from .evaluate import N_HELDOUT_STORIES

    if not 0 < n <= N_HELDOUT_STORIES:
        raise ValueError(f"n must be 1 to {N_HELDOUT_STORIES}: only those are checked against the model card")
    rng, texts, index = random.Random(VAL_STREAM_SEED), [], 0
    while len(texts) < n:
        text = generate_story(rng, version=2)
        if index not in VAL_STREAM_SKIPPED:
            texts.append(text)
        index += 1
    return texts


@dataclass(frozen=True)
class HeldOutLoss:
    nats: float  # summed over every predicted token
    tokens: int
    characters: int

    @property
    def per_token(self) -> float:
        """Mean cross-entropy in nats per token: the loss the model was trained to lower."""
        return self.nats / self.tokens

    @property
    def bits_per_character(self) -> float:
        """As llama_edu.evaluate.bits_per_character: comparable across tokenizers."""
        return self.nats / math.log(2) / self.characters


@torch.no_grad()
def heldout_loss(model, tok, texts: list[str], fwd_hooks=(), batch_size: int = 16) -> HeldOutLoss:
    """Cross-entropy of each text (BOS first, EOS last, cut at the context) predicted token by token, as
    evaluate.bits_per_character computes it, run `batch_size` texts at a time. Shorter texts are padded at the end:
    under the causal mask no real position sees the padding, whose predictions are not counted. fwd_hooks: run
    with these hooks (a quantised KV cache, kv_hooks)."""
    rows = [tok.encode(text, eos=True)[: model.cfg.max_seq_len] for text in texts]
    characters = sum(len(tok.decode(ids[tok.bos_count:])) for ids in rows)
    rows.sort(key=len)  # neighbours of similar length: little padding
    nats, tokens = 0.0, 0
    for start in range(0, len(rows), batch_size):
        batch = rows[start:start + batch_size]
        width = max(len(ids) for ids in batch)
        ids = torch.zeros(len(batch), width, dtype=torch.long)
        targets = torch.full((len(batch), width), -100, dtype=torch.long)  # -100: not counted
        for i, row in enumerate(batch):
            ids[i, :len(row)] = torch.tensor(row)
            targets[i, :len(row)] = torch.tensor(row)
        ids, targets = ids.to(model.device), targets.to(model.device)
        logits = model.run_with_hooks(ids[:, :-1], fwd_hooks) if fwd_hooks else model(ids[:, :-1])  # [B, T, V]
        nats += float(F.cross_entropy(logits.float().flatten(0, 1), targets[:, 1:].flatten(), reduction="sum"))
        tokens += int((targets[:, 1:] != -100).sum())
    return HeldOutLoss(nats, tokens, characters)


# ---- a quantised KV cache, simulated -----------------------------------------------------------------------------
def kv_round_trip(x: torch.Tensor, kv_format: str) -> torch.Tensor:
    """Keys or values [..., hd] as a cache in kv_format would give them back: int8 / int4 with one absmax scale per
    (token, head) vector, fp8 (E4M3) cast and read back, bfloat16 rounded."""
    if kv_format not in KV_FORMATS:
        raise ValueError(f"unknown KV cache format {kv_format!r}; choose one of {', '.join(KV_FORMATS)}")
    if kv_format == "bfloat16":
        return x.to(torch.bfloat16).to(x.dtype)
    if kv_format == "fp8":
        return x.to(torch.float8_e4m3fn).to(x.dtype)
    qmax = 2 ** (KV_FORMATS[kv_format][0] - 1) - 1
    scales = (x.float().abs().amax(-1, keepdim=True) / qmax).clamp_min(torch.finfo(torch.float32).tiny)
    return ((x.float() / scales).round().clamp(-qmax, qmax) * scales).to(x.dtype)


def kv_hooks(cfg: ModelConfig, kv_format: str) -> list[tuple[str, object]]:
    """Hooks that replace every layer's keys (after RoPE, as the cache holds them) and values by what a cache in
    kv_format would hold: for run_with_hooks, or heldout_loss(fwd_hooks=...)."""
    def read_back(x: torch.Tensor, name: str) -> torch.Tensor:  # [B, T, Hkv, hd]
        return kv_round_trip(x, kv_format)
    return [(f"layers.{i}.attention.{hook}", read_back)
            for i in range(cfg.n_layers) for hook in ("hook_k_rot", "hook_v")]



# ---- several versions at once, as the lessons show them ----------------------------------------------------------
def heldout_losses(model, tok, schemes: list[Scheme | None], texts: list[str] | None = None) -> dict:
    """{scheme: HeldOutLoss} of a rounded copy for each scheme (None: the model itself) on the held-out texts."""
    texts = heldout_texts() if texts is None else texts
    return {scheme: heldout_loss(model if scheme is None else quantised_copy(model, scheme), tok, texts)
            for scheme in schemes}


def kv_losses(model, tok, kv_formats: list[str], texts: list[str] | None = None) -> dict[str, HeldOutLoss]:
    """{format: HeldOutLoss} with the model's keys and values read back from a cache in each format
    ("float32": untouched, the model's own run)."""
    texts = heldout_texts() if texts is None else texts
    return {f: heldout_loss(model, tok, texts, () if f == "float32" else kv_hooks(model.cfg, f)) for f in kv_formats}


@torch.no_grad()
def next_token_probabilities(model, ids: list[int], schemes: list[Scheme | None]) -> dict:
    """{scheme: next-token probabilities after ids [V], float32 on the CPU} for the model (None) and rounded copies."""
    tokens = torch.tensor([ids], device=model.device)
    out = {}
    for scheme in schemes:
        version = model if scheme is None else quantised_copy(model, scheme)
        out[scheme] = version(tokens, last_only=True)[0, -1].float().softmax(-1).cpu()
    return out


def top_k(probabilities: torch.Tensor, k: int = 5) -> list[tuple[int, float]]:
    """The k likeliest tokens of a distribution [V]: (id, probability), likeliest first."""
    top = probabilities.topk(k)
    return [(int(i), float(p)) for p, i in zip(top.values, top.indices)]


def weight_magnitudes(model) -> tuple[float, float]:
    """(largest |w|, median |w|) over every matrix a quantised checkpoint rounds: how far one weight reaches past the
    typical one, which a single scale for everything has to cover."""
    modules = dict(model.named_modules())
    values = torch.cat([modules[name].weight.detach().float().abs().flatten()
                        for name in quantised_names(model.cfg)])
    return float(values.max()), float(values.median())
