"""llama_edu.rotary: RoPE measured from the hooks, checked against the model's own hooks, hand computation and the
checkpoint converter's row order."""

import math

import pytest
import torch

from llama_edu import rotary
from llama_edu.checkpoints import meta_to_hf_qk
from llama_edu.model import rope_frequencies


@pytest.fixture
def captured(small_model):
    """(model, hooks) for 9 tokens through each small model (MHA, GQA with base 500,000, MQA)."""
    tokens = torch.tensor([[1, 5, 9, 5, 30, 2, 7, 7, 40]])
    _, hooks = small_model.run_with_cache(tokens, names_filter=r"layers\.1\.attention\.hook_(q|k)")
    return small_model, hooks


def test_rotating_the_raw_query_to_its_position_reproduces_the_hook(captured):
    model, hooks = captured
    cfg = model.cfg
    q, q_rot = hooks["layers.1.attention.hook_q"][0], hooks["layers.1.attention.hook_q_rot"][0]  # [T, H, hd]
    T = q.shape[0]
    for m in range(T):
        walked = rotary.rotate_to_positions(q[m, 2], T, cfg.rope_theta, cfg.rope_scaling)  # [T, hd]
        assert torch.allclose(walked[m], q_rot[m, 2], atol=1e-6)


def test_turn_between_the_hooks_is_m_theta_i_radians(captured):
    model, hooks = captured
    hd = model.cfg.head_dim
    q, q_rot = hooks["layers.1.attention.hook_q"][0, :, 0], hooks["layers.1.attention.hook_q_rot"][0, :, 0]
    theta = rope_frequencies(hd, model.cfg.rope_theta)
    for m in (1, 4, 8):
        for i in (0, 1, hd // 2 - 1):
            turn = rotary.wrap_angle(rotary.pair_angle(q_rot[m], i) - rotary.pair_angle(q[m], i))
            assert math.isclose(turn, rotary.wrap_angle(m * float(theta[i])), abs_tol=1e-4)


def test_pair_turn_reads_the_hooks_and_turns_by_m_theta_i(captured):
    model, hooks = captured
    q, q_rot = hooks["layers.1.attention.hook_q"][0, :, 1], hooks["layers.1.attention.hook_q_rot"][0, :, 1]  # [T, hd]
    m, i = 5, 1
    turn = rotary.pair_turn(q, q_rot, m, i, model.cfg.rope_theta)
    assert turn.before == pytest.approx(q[m, 2:4].tolist()) and turn.after == pytest.approx(q_rot[m, 2:4].tolist())
    theta_1 = model.cfg.rope_theta ** (-2 / model.cfg.head_dim)  # by hand: base^(-2i/hd) with i = 1
    assert turn.frequency == pytest.approx(theta_1, rel=1e-6) and turn.angle == pytest.approx(m * theta_1, rel=1e-6)
    assert turn.measured_turn == pytest.approx(rotary.wrap_angle(m * theta_1), abs=1e-4)


def test_wavelengths_of_the_published_bases_at_head_width_128():
    slowest_10k, slowest_500k = (float(rotary.wavelengths(128, base)[-1]) for base in (10000.0, 500000.0))
    assert slowest_10k == pytest.approx(2 * math.pi * 10000 ** (126 / 128), rel=1e-5)  # about 54,000 tokens
    assert 53_000 < slowest_10k < 55_000 and 2.5e6 < slowest_500k < 2.7e6
    assert float(rotary.wavelengths(128)[0]) == pytest.approx(2 * math.pi)  # pair 0: one radian per token


def test_wrap_angle_maps_into_minus_pi_to_pi():
    assert math.isclose(rotary.wrap_angle(9.0), 9.0 - 2 * math.pi)
    assert math.isclose(rotary.wrap_angle(-4.0), -4.0 + 2 * math.pi)
    assert rotary.wrap_angle(1.0) == 1.0


def test_relative_dot_products_are_constant_along_diagonals_and_match_the_prompt(captured):
    model, hooks = captured
    cfg = model.cfg
    head, kv_head, a, b = 3, 3 // cfg.n_rep, 7, 2
    q = hooks["layers.1.attention.hook_q"][0, a, head]
    k = hooks["layers.1.attention.hook_k"][0, b, kv_head]
    dots = rotary.relative_dot_products(q, k, 20, cfg.rope_theta, cfg.rope_scaling)  # [20, 20]
    assert rotary.diagonal_spread(dots) < 1e-4
    measured = hooks["layers.1.attention.hook_q_rot"][0, a, head] @ hooks["layers.1.attention.hook_k_rot"][0, b, kv_head]
    assert math.isclose(float(dots[a, b]), float(measured), rel_tol=1e-4, abs_tol=1e-5)
    # ... and it is not constant overall: position matters through the offset
    assert float(dots.max() - dots.min()) > 1e-2


def test_diagonal_spread_is_zero_only_for_offset_only_matrices():
    offsets = torch.arange(6)[:, None] - torch.arange(6)[None, :]
    assert rotary.diagonal_spread(torch.sin(offsets.float())) == 0.0
    assert rotary.diagonal_spread(torch.arange(36.0).view(6, 6)) > 0


def test_hf_row_order_is_what_meta_to_hf_qk_does():
    assert rotary.hf_row_order(8) == [0, 2, 4, 6, 1, 3, 5, 7]
    w = torch.randn(16, 5)
    assert torch.equal(meta_to_hf_qk(w, 1), w[rotary.hf_row_order(16)])


def test_rotate_half_on_hf_order_equals_meta_rope(captured):
    model, hooks = captured
    q, q_rot = hooks["layers.1.attention.hook_q"], hooks["layers.1.attention.hook_q_rot"]
    assert rotary.hf_layout_difference(q, q_rot, model.cfg.rope_theta) < 1e-5
    # rotate_half on Meta's order (no permutation) pairs the wrong dimensions and gives other numbers
    from llama_edu.model import rope_angles
    cos, sin = rope_angles(model.cfg.head_dim, q.shape[1], model.cfg.rope_theta)
    assert (rotary.rotate_half_rope(q, cos, sin) - q_rot).abs().max() > 1e-3
