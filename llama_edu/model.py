"""LLaMA, top to bottom: RMSNorm, rotary embeddings, grouped-query attention, SwiGLU, the block, the model.

Notation used in the shape comments:
    B   batch size                  T   tokens in this call (query positions)
    S   key positions: cached + T   D   model width (dim)
    H   query heads                 Hkv key/value heads (H = MHA, 1 = MQA, in between = GQA)
    hd  head width, D / H           F   feed-forward width (hidden_dim)
    V   vocabulary size

The model is the one in Touvron et al., "LLaMA: Open and Efficient Foundation Language Models" (2023), and its
successors Llama 2 (grouped-query attention) and Llama 3 (larger RoPE base and vocabulary). Parameter names are
those of Meta's checkpoints, so `layers.3.attention.wq.weight` here is `layers.3.attention.wq.weight` there.

Each `hook_*` is a HookPoint (see hooks.py): an identity with a name, through which run_with_cache sees every
intermediate value. When no call listens, attention takes PyTorch's fused kernel instead of the explicit steps;
the tests check that both paths give the same numbers.

         tokens
           |
      tok_embeddings                                  hook_embed
           |
   +--> x (residual stream) ------------------+       layers.i.hook_resid_pre
   |       |                                  |
   |  attention_norm (RMSNorm)                |
   |       |                                  |
   |  attention (RoPE on q, k; causal; GQA)   |
   |       |                                  |
   |       +------------(+)-------------------+       layers.i.hook_resid_mid
   |                     |
   |                ffn_norm (RMSNorm)
   |                     |
   |                feed_forward (SwiGLU)
   |                     |
   +---- n_layers ------(+)                           layers.i.hook_resid_post
                         |
                    norm (RMSNorm) -> output -> logits   hook_logits
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import ModelConfig
from .hooks import HookedModule, HookPoint, hooks_active


# ---- normalisation ---------------------------------------------------------------------------------------------
class RMSNorm(nn.Module):
    """y = x / RMS(x) * g,  RMS(x) = sqrt(mean(x^2) + eps).   Zhang & Sennrich, "Root Mean Square Layer
    Normalization" (2019). Unlike LayerNorm it does not subtract the mean and has no bias: one statistic
    instead of two, and LLaMA trains just as well with it."""

    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))  # the learned gain g
        self.hook_in = HookPoint("[B, T, D]")
        self.hook_rms = HookPoint("[B, T, 1]")
        self.hook_normalized = HookPoint("[B, T, D]  x / RMS(x), before the gain")
        self.hook_out = HookPoint("[B, T, D]")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.hook_in(x)
        # Statistics in float32 even for bfloat16 weights: a mean of 4096 squares loses too much in 8 mantissa bits.
        x32 = x.float()
        rms = self.hook_rms(torch.sqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps))  # [B, T, 1]
        normalized = self.hook_normalized((x32 / rms).type_as(x))
        return self.hook_out(normalized * self.weight)


class LayerNorm(nn.Module):
    """y = (x - mean(x)) / sqrt(var(x) + eps) * g + b.   Ba et al. (2016); the original Transformer's norm.
    LLaMA does not use it: it sits here for the comparison with RMSNorm, with the same kind of hooks."""

    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.hook_in = HookPoint("[B, T, D]")
        self.hook_mean = HookPoint("[B, T, 1]")
        self.hook_std = HookPoint("[B, T, 1]  sqrt(var + eps)")
        self.hook_normalized = HookPoint("[B, T, D]  (x - mean) / std, before gain and bias")
        self.hook_out = HookPoint("[B, T, D]")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.hook_in(x)
        x32 = x.float()
        mean = self.hook_mean(x32.mean(-1, keepdim=True))  # [B, T, 1]
        centered = x32 - mean  # [B, T, D]; the variance is the mean of its squares (the biased variance)
        std = self.hook_std(torch.sqrt(centered.pow(2).mean(-1, keepdim=True) + self.eps))  # [B, T, 1]
        normalized = self.hook_normalized((centered / std).type_as(x))
        return self.hook_out(normalized * self.weight + self.bias)


# ---- rotary position embeddings ----------------------------------------------------------------------------------
def rope_frequencies(head_dim: int, theta: float = 10000.0, scaling: dict | None = None) -> torch.Tensor:
    """The angle per position of each of the head_dim/2 pairs: theta^(-2i/hd), i = 0 .. hd/2-1.   [hd/2]

    Su et al., "RoFormer" (2021). Pair 0 turns by 1 radian per token; the last pair turns slowest, about
    1/theta radians per token. Llama 3 raised theta from 10,000 to 500,000 so the slow pairs stay
    distinguishable over longer contexts; Llama 3.1 additionally slows the low frequencies (`scaling`).
    """
    freqs = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    if scaling is not None:
        freqs = _llama31_scaled_frequencies(freqs, **{k: v for k, v in scaling.items() if k != "rope_type"})
    return freqs


def _llama31_scaled_frequencies(freqs, factor, low_freq_factor, high_freq_factor, original_max_position_embeddings):
    """Llama 3.1: frequencies whose wavelength exceeds the original context are divided by `factor`;
    short wavelengths are kept; the band between is interpolated smoothly."""
    wavelen = 2 * math.pi / freqs
    low_freq_wavelen = original_max_position_embeddings / low_freq_factor
    high_freq_wavelen = original_max_position_embeddings / high_freq_factor
    smooth = (original_max_position_embeddings / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    scaled = torch.where(wavelen > low_freq_wavelen, freqs / factor, freqs)
    in_band = (wavelen >= high_freq_wavelen) & (wavelen <= low_freq_wavelen)
    return torch.where(in_band, (1 - smooth) * freqs / factor + smooth * freqs, scaled)


def rope_angles(head_dim: int, n_positions: int, theta: float = 10000.0, scaling: dict | None = None):
    """cos and sin of angle m * theta_i for every position m and pair i.   two tensors [n_positions, hd/2]"""
    positions = torch.arange(n_positions, dtype=torch.float32)
    angles = torch.outer(positions, rope_frequencies(head_dim, theta, scaling))  # [n_positions, hd/2]
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate each adjacent pair (x[2i], x[2i+1]) of every head by its angle.

    x: [B, T, heads, hd];  cos, sin: [T, hd/2] or [T, 1, hd/2], the angles of these T positions

        [x'_2i  ]   [cos  -sin] [x_2i  ]
        [x'_2i+1] = [sin   cos] [x_2i+1]

    Pairs are *adjacent* dimensions, as in Meta's code. Hugging Face pairs dimension i with i + hd/2 instead
    (its "rotate_half"), and permutes the rows of wq and wk in its checkpoints to match; checkpoints.py undoes
    that permutation on load, so both layouts compute the same attention.
    """
    x0, x1 = x.float().unflatten(-1, (-1, 2)).unbind(-1)  # [B, T, heads, hd/2] each: even and odd dims
    if cos.ndim == 2:
        cos, sin = cos[:, None, :], sin[:, None, :]  # [T, 1, hd/2]: the same angle for every head
    rotated = torch.stack((x0 * cos - x1 * sin, x0 * sin + x1 * cos), dim=-1)  # [B, T, heads, hd/2, 2]
    return rotated.flatten(-2).type_as(x)  # [B, T, heads, hd]


# ---- attention -------------------------------------------------------------------------------------------------
class KVCache:
    """Keys and values of the tokens seen so far, one preallocated buffer per layer.

    It belongs to one generation call (never to the shared model), so any number of students can generate
    at once from one model. Memory: 2 * n_layers * Hkv * hd * max_len * bytes; see config.kv_cache_bytes.
    `length` tokens are stored; Transformer.forward, the only writer, advances it by the tokens of each call.
    """

    def __init__(self, cfg: ModelConfig, batch_size: int = 1, max_len: int | None = None,
                 device: torch.device | str | None = None, dtype: torch.dtype = torch.float32):
        self.max_len = max_len or cfg.max_seq_len
        shape = (batch_size, cfg.n_kv_heads, self.max_len, cfg.head_dim)  # [B, Hkv, max_len, hd]
        self.layers = [LayerKV(torch.zeros(shape, device=device, dtype=dtype),
                               torch.zeros(shape, device=device, dtype=dtype)) for _ in range(cfg.n_layers)]
        self.length = 0

    @property
    def keys(self) -> list[torch.Tensor]:
        return [layer.keys for layer in self.layers]

    @property
    def values(self) -> list[torch.Tensor]:
        return [layer.values for layer in self.layers]

    def nbytes(self) -> int:
        """Bytes in use so far (not the preallocated total)."""
        per_token = sum(t[:, :, :1].numel() * t.element_size() for t in self.keys + self.values)
        return per_token * self.length


class LayerKV:
    """One layer's part of a KVCache: what its Attention reads and writes, so no layer index is passed around."""

    def __init__(self, keys: torch.Tensor, values: torch.Tensor):
        self.keys, self.values = keys, values  # [B, Hkv, max_len, hd] each

    def update(self, k: torch.Tensor, v: torch.Tensor, where: slice | torch.Tensor):
        """Store this call's k, v [B, Hkv, T, hd] at `where`; return the keys and values to attend to.

        where = slice(start, end): the next free slots; returns the stored ones, [B, Hkv, end, hd].
        where = positions [T] (a tensor, so that a CUDA graph can replay the call with new values): returns the
        whole buffer [B, Hkv, max_len, hd]; the call's mask hides the slots after each position.
        """
        if isinstance(where, slice):
            self.keys[:, :, where] = k
            self.values[:, :, where] = v
            return self.keys[:, :, :where.stop], self.values[:, :, :where.stop]
        self.keys.index_copy_(2, where, k)
        self.values.index_copy_(2, where, v)
        return self.keys, self.values


def causal_mask(n_queries: int, n_keys: int, device=None) -> torch.Tensor:
    """Additive mask [T, S]: 0 where query i may see key j (j <= i + past), -inf in the future."""
    past = n_keys - n_queries
    allowed = torch.ones(n_queries, n_keys, dtype=torch.bool, device=device).tril(diagonal=past)
    return torch.zeros(n_queries, n_keys, device=device).masked_fill(~allowed, float("-inf"))


def positions_mask(positions: torch.Tensor, n_slots: int) -> torch.Tensor:
    """Additive mask [T, n_slots] for tokens at `positions` [T] attending over a whole cache buffer: 0 up to each
    token's own position, -inf after (later tokens and slots not written yet)."""
    slots = torch.arange(n_slots, device=positions.device)
    return torch.zeros(len(positions), n_slots, device=positions.device).masked_fill(
        slots[None, :] > positions[:, None], float("-inf"))


class Attention(nn.Module):
    r"""softmax(q k^T / sqrt(hd) + mask) v, per head, with RoPE on q and k, and Hkv <= H key/value heads.

    Grouped-query attention: Ainslie et al., "GQA" (2023). Query head h reads key/value head h // (H / Hkv):
    the 32 query heads of a GQA-8 model form 8 groups of 4 that share one key and one value per token.

        MHA  q: H H H H H H H H     GQA  q: H H H H H H H H     MQA  q: H H H H H H H H
             k: H H H H H H H H          k:  \_/ \_/ \_/ \_/         k:  \_____________/
                                             H   H   H   H                     H
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.n_heads, self.n_kv_heads, self.head_dim = cfg.n_heads, cfg.n_kv_heads, cfg.head_dim
        self.n_rep = cfg.n_heads // cfg.n_kv_heads  # query heads per key/value head
        self.wq = nn.Linear(cfg.dim, cfg.n_heads * cfg.head_dim, bias=False)
        self.wk = nn.Linear(cfg.dim, cfg.n_kv_heads * cfg.head_dim, bias=False)
        self.wv = nn.Linear(cfg.dim, cfg.n_kv_heads * cfg.head_dim, bias=False)
        self.wo = nn.Linear(cfg.n_heads * cfg.head_dim, cfg.dim, bias=False)
        self.hook_q = HookPoint("[B, T, H, hd]  before RoPE")
        self.hook_k = HookPoint("[B, T, Hkv, hd]  before RoPE")
        self.hook_v = HookPoint("[B, T, Hkv, hd]")
        self.hook_q_rot = HookPoint("[B, T, H, hd]  after RoPE")
        self.hook_k_rot = HookPoint("[B, T, Hkv, hd]  after RoPE")
        self.hook_scores = HookPoint("[B, H, T, S]  q.k / sqrt(hd) + causal mask (-inf), before softmax")
        self.hook_pattern = HookPoint("[B, H, T, S]  softmax of the scores; each row sums to 1")
        self.hook_z = HookPoint("[B, T, H, hd]  pattern-weighted values, per head")
        self.hook_out = HookPoint("[B, T, D]")

    def attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The computation every figure of the app is drawn from, step by step.

        q [B, H, T, hd];  k, v [B, Hkv, S, hd];  mask [T, S], 0 where a query may look and -inf where not.
        Returns [B, H, T, hd].
        """
        # Each KV head serves n_rep consecutive query heads.
        k = k.repeat_interleave(self.n_rep, dim=1)  # [B, H, S, hd]
        v = v.repeat_interleave(self.n_rep, dim=1)  # [B, H, S, hd]
        # Dividing by sqrt(hd) keeps the dot products' spread near 1 whatever the head width, so softmax
        # does not saturate into a one-hot at initialisation.
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)  # [B, H, T, S]
        scores = self.hook_scores(scores + mask)
        pattern = self.hook_pattern(F.softmax(scores.float(), dim=-1).type_as(q))  # [B, H, T, S]
        return pattern @ v  # [B, H, T, hd]

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, mask: torch.Tensor | None,
                kv: LayerKV | None = None, where: slice | torch.Tensor | None = None) -> torch.Tensor:
        """x [B, T, D] -> [B, T, D]. mask [T, S] as in attend(); None only for plain causal attention without a
        past, which the fused kernel does itself. kv and where: this layer's cache and the slots the call fills."""
        B, T, _ = x.shape
        q = self.hook_q(self.wq(x).view(B, T, self.n_heads, self.head_dim))  # [B, T, H, hd]
        k = self.hook_k(self.wk(x).view(B, T, self.n_kv_heads, self.head_dim))  # [B, T, Hkv, hd]
        v = self.hook_v(self.wv(x).view(B, T, self.n_kv_heads, self.head_dim))  # [B, T, Hkv, hd]
        q = self.hook_q_rot(apply_rope(q, cos, sin))
        k = self.hook_k_rot(apply_rope(k, cos, sin))

        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # heads first: [B, heads, T, hd]
        if kv is not None:
            k, v = kv.update(k, v, where)  # [B, Hkv, S, hd]
        if hooks_active():
            z = self.attend(q, k, v, mask)
        else:  # nobody is looking: PyTorch's fused kernel computes the same thing faster
            z = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=mask is None and T > 1,
                                               enable_gqa=self.n_rep > 1)
        z = self.hook_z(z.transpose(1, 2))  # [B, T, H, hd]
        return self.hook_out(self.wo(z.reshape(B, T, self.n_heads * self.head_dim)))  # [B, T, D]


# ---- feed-forward ---------------------------------------------------------------------------------------------
class FeedForward(nn.Module):
    """SwiGLU: w2( silu(w1 x) * (w3 x) ).   Shazeer, "GLU Variants Improve Transformer" (2020).

    w1 x is the gate, passed through silu(z) = z * sigmoid(z) (Swish with beta = 1); w3 x is the "up"
    projection it multiplies element-wise; w2 projects back to the model width.
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.w1 = nn.Linear(cfg.dim, cfg.hidden_dim, bias=False)  # gate
        self.w3 = nn.Linear(cfg.dim, cfg.hidden_dim, bias=False)  # up
        self.w2 = nn.Linear(cfg.hidden_dim, cfg.dim, bias=False)  # down
        self.hook_gate = HookPoint("[B, T, F]  w1 x")
        self.hook_act = HookPoint("[B, T, F]  silu(w1 x)")
        self.hook_up = HookPoint("[B, T, F]  w3 x")
        self.hook_hidden = HookPoint("[B, T, F]  silu(w1 x) * w3 x")
        self.hook_out = HookPoint("[B, T, D]")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = self.hook_gate(self.w1(x))
        hidden = self.hook_hidden(self.hook_act(F.silu(gate)) * self.hook_up(self.w3(x)))
        return self.hook_out(self.w2(hidden))


# ---- the block and the model ---------------------------------------------------------------------------------
class TransformerBlock(nn.Module):
    """Pre-normalisation (as in GPT-2/GPT-3): normalise the *input* of each sub-layer and add its output to the
    untouched residual stream, so the stream itself is never normalised and gradients flow straight through."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        # Registered in forward order, so hook_names() lists them in the order the data reaches them.
        self.hook_resid_pre = HookPoint("[B, T, D]")
        self.attention_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.attention = Attention(cfg)
        self.hook_resid_mid = HookPoint("[B, T, D]  after attention is added")
        self.ffn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.feed_forward = FeedForward(cfg)
        self.hook_resid_post = HookPoint("[B, T, D]  after the feed-forward is added")

    def forward(self, x, cos, sin, mask, kv=None, where=None):
        x = self.hook_resid_pre(x)
        h = self.hook_resid_mid(x + self.attention(self.attention_norm(x), cos, sin, mask, kv, where))
        return self.hook_resid_post(h + self.feed_forward(self.ffn_norm(h)))


class Transformer(HookedModule):
    """tokens [B, T] -> logits [B, T, V]: embedding, n_layers blocks, final RMSNorm, output projection."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.tok_embeddings = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.hook_embed = HookPoint("[B, T, D]")
        self.layers = nn.ModuleList(TransformerBlock(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.output = nn.Linear(cfg.dim, cfg.vocab_size, bias=False)
        if cfg.tie_word_embeddings:
            self.output.weight = self.tok_embeddings.weight
        self.hook_logits = HookPoint("[B, T, V]")
        # cos/sin of every position's angles, computed once. Not saved in checkpoints: they follow from the config.
        self.register_buffer("rope_cos", torch.empty(0), persistent=False)
        self.register_buffer("rope_sin", torch.empty(0), persistent=False)
        self.reset_rope()
        self._name_hook_points()

    def reset_rope(self) -> None:
        """(Re)compute the RoPE tables on the model's device, e.g. after building it on the meta device."""
        device = self.tok_embeddings.weight.device
        cos, sin = rope_angles(self.cfg.head_dim, self.cfg.max_seq_len, self.cfg.rope_theta, self.cfg.rope_scaling)
        if device.type != "meta":
            cos, sin = cos.to(device), sin.to(device)
        self.rope_cos, self.rope_sin = cos, sin  # [max_seq_len, hd/2] each, float32

    def forward(self, tokens: torch.Tensor, cache: KVCache | None = None, positions: torch.Tensor | None = None,
                last_only: bool = False) -> torch.Tensor:
        """tokens [B, T] -> logits [B, T, V] (or [B, 1, V] with last_only).

        With a cache, the tokens continue the ones already cached, and the cache is extended by them. `positions`
        [T] (a tensor, with a cache) says where they go instead of cache.length: a call whose shapes and Python
        numbers never change, which a CUDA graph can record once and replay for every new token (generate.py).
        The rotary angles and the mask are made once here, for every layer.
        """
        B, T = tokens.shape
        start = cache.length if cache is not None else 0
        if start + T > self.cfg.max_seq_len:
            raise ValueError(f"{start + T} tokens exceed the model's context of {self.cfg.max_seq_len}")
        if cache is not None and start + T > cache.max_len:
            raise ValueError(f"KV cache is full: {start + T} tokens do not fit in {cache.max_len}")
        if positions is not None:  # where the caller says, attending over the whole buffer
            if cache is None or positions.shape != (T,):
                raise ValueError("positions need a cache and one position per token")
            cos, sin = self.rope_cos[positions][:, None], self.rope_sin[positions][:, None]  # [T, 1, hd/2]
            mask, where = positions_mask(positions, cache.max_len).to(self.dtype), positions
        else:  # the next T positions
            cos, sin = self.rope_cos[start:start + T, None], self.rope_sin[start:start + T, None]  # [T, 1, hd/2]
            where = slice(start, start + T)
            # The fused kernel does plain causal attention (no past) and a single query (nothing to hide) itself.
            plain = start == 0 or T == 1
            mask = None if plain and not hooks_active() else causal_mask(T, start + T, tokens.device).to(self.dtype)

        x = self.hook_embed(self.tok_embeddings(tokens))  # [B, T, D]
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, mask, cache.layers[i] if cache is not None else None, where)
        if cache is not None:
            cache.length = start + T
        if last_only:
            x = x[:, -1:]
        return self.hook_logits(self.output(self.norm(x)).float())  # [B, T, V]

    def new_kv_cache(self, batch_size: int = 1, max_len: int | None = None) -> KVCache:
        w = self.tok_embeddings.weight
        return KVCache(self.cfg, batch_size, max_len, device=w.device, dtype=w.dtype)

    @property
    def device(self) -> torch.device:
        return self.tok_embeddings.weight.device

    @property
    def dtype(self) -> torch.dtype:
        return self.tok_embeddings.weight.dtype
