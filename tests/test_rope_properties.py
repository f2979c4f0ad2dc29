"""Rotary position embeddings: a rotation per pair, so norms are kept and q.k sees only the offset."""

import math

import pytest
import torch

import llama_edu as le
from llama_edu.checkpoints import hf_to_meta_qk, meta_to_hf_qk
from llama_edu.model import apply_rope, rope_angles, rope_frequencies
from helpers import SMALL_CONFIGS, random_model


def test_rotation_keeps_every_pair_norm():
    x = torch.randn(1, 20, 3, 16)
    cos, sin = rope_angles(16, 20)
    rotated = apply_rope(x, cos, sin)
    pair_norm = lambda t: t.unflatten(-1, (-1, 2)).norm(dim=-1)  # noqa: E731
    assert torch.allclose(pair_norm(rotated), pair_norm(x), atol=1e-5)


def test_position_zero_is_not_rotated_and_pair_zero_turns_one_radian_per_token():
    cos, sin = rope_angles(8, 4, theta=10000.0)
    assert torch.allclose(cos[0], torch.ones(4)) and torch.allclose(sin[0], torch.zeros(4))
    assert math.isclose(float(torch.atan2(sin[1, 0], cos[1, 0])), 1.0, rel_tol=1e-6)
    assert torch.allclose(rope_frequencies(8, 10000.0), torch.tensor([1, 10000 ** -0.25, 10000 ** -0.5, 10000 ** -0.75]))


@pytest.mark.parametrize("theta", [10000.0, 500000.0])
def test_dot_product_depends_only_on_the_offset(theta):
    q, k = torch.randn(64), torch.randn(64)
    cos, sin = rope_angles(64, 40, theta)

    def at(v, pos):
        return apply_rope(v.view(1, 1, 1, 64), cos[pos:pos + 1], sin[pos:pos + 1]).flatten()

    for offset in (0, 1, 7):
        dots = [float(at(q, m + offset) @ at(k, m)) for m in (0, 5, 20, 30)]
        assert max(dots) - min(dots) < 1e-4


def test_real_queries_and_keys_depend_on_offset_only():
    """From the model's own hooks: the same token repeated gives the same q.k at equal distances."""
    model = random_model(SMALL_CONFIGS["mha"], seed=2)
    tokens = torch.full((1, 12), 7)  # the same token at every position: only RoPE tells positions apart
    _, cache = model.run_with_cache(tokens, names_filter=r"layers\.0\.attention\.hook_(q|k)_rot$")
    q = cache["layers.0.attention.hook_q_rot"][0, :, 0]  # [T, hd], head 0
    k = cache["layers.0.attention.hook_k_rot"][0, :, 0]
    dots = q @ k.T  # [T, T]
    for offset in range(4):
        diagonal = torch.diagonal(dots, -offset)
        assert (diagonal - diagonal[0]).abs().max() < 1e-4


def test_hf_row_permutation_is_inverted_exactly():
    w = torch.randn(8 * 16, 32)
    assert torch.equal(hf_to_meta_qk(meta_to_hf_qk(w, 8), 8), w)
    # Meta pairs rows (0, 1) of a head; HF stores them as rows 0 and hd/2
    hf = meta_to_hf_qk(w, 8)
    assert torch.equal(hf[0], w[0]) and torch.equal(hf[8], w[1]) and torch.equal(hf[1], w[2])


def test_llama31_frequency_scaling_matches_transformers():
    from transformers import LlamaConfig
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    cfg = le.ModelConfig.from_preset("llama-3.1-8b")
    hf_cfg = LlamaConfig(**{k: v for k, v in cfg.to_hf_config().items() if k not in ("architectures",)})
    expected, _ = ROPE_INIT_FUNCTIONS["llama3"](hf_cfg, "cpu")
    ours = rope_frequencies(cfg.head_dim, cfg.rope_theta, cfg.rope_scaling)
    assert torch.allclose(ours, expected, rtol=1e-6)
    assert not torch.allclose(ours, rope_frequencies(cfg.head_dim, cfg.rope_theta))
