"""RoPE figures and their numbers, checked against the model's own hooks and against hand computation."""

import json
import math

import pytest
import torch

from llama_edu.checkpoints import meta_to_hf_qk
from llama_edu.model import rope_frequencies
from llama_edu.viz import rope


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
        walked = rope.rotate_to_positions(q[m, 2], T, cfg.rope_theta, cfg.rope_scaling)  # [T, hd]
        assert torch.allclose(walked[m], q_rot[m, 2], atol=1e-6)


def test_turn_between_the_hooks_is_m_theta_i_radians(captured):
    model, hooks = captured
    hd = model.cfg.head_dim
    q, q_rot = hooks["layers.1.attention.hook_q"][0, :, 0], hooks["layers.1.attention.hook_q_rot"][0, :, 0]
    theta = rope_frequencies(hd, model.cfg.rope_theta)
    for m in (1, 4, 8):
        for i in (0, 1, hd // 2 - 1):
            turn = rope.wrap_angle(rope.pair_angle(q_rot[m], i) - rope.pair_angle(q[m], i))
            assert math.isclose(turn, rope.wrap_angle(m * float(theta[i])), abs_tol=1e-4)


def test_pair_turn_reads_the_hooks_and_turns_by_m_theta_i(captured):
    model, hooks = captured
    q, q_rot = hooks["layers.1.attention.hook_q"][0, :, 1], hooks["layers.1.attention.hook_q_rot"][0, :, 1]  # [T, hd]
    m, i = 5, 1
    turn = rope.pair_turn(q, q_rot, m, i, model.cfg.rope_theta)
    assert turn.before == pytest.approx(q[m, 2:4].tolist()) and turn.after == pytest.approx(q_rot[m, 2:4].tolist())
    theta_1 = model.cfg.rope_theta ** (-2 / model.cfg.head_dim)  # by hand: base^(-2i/hd) with i = 1
    assert turn.frequency == pytest.approx(theta_1, rel=1e-6) and turn.angle == pytest.approx(m * theta_1, rel=1e-6)
    assert turn.measured_turn == pytest.approx(rope.wrap_angle(m * theta_1), abs=1e-4)


def test_wavelengths_of_the_published_bases_at_head_width_128():
    slowest_10k, slowest_500k = (float(rope.wavelengths(128, base)[-1]) for base in (10000.0, 500000.0))
    assert slowest_10k == pytest.approx(2 * math.pi * 10000 ** (126 / 128), rel=1e-5)  # about 54,000 tokens
    assert 53_000 < slowest_10k < 55_000 and 2.5e6 < slowest_500k < 2.7e6
    assert float(rope.wavelengths(128)[0]) == pytest.approx(2 * math.pi)  # pair 0: one radian per token


def test_compared_bases_add_the_models_own_only_when_it_differs():
    assert list(rope.compared_bases(10000.0).values()) == [10000.0, 500000.0]
    assert list(rope.compared_bases(1e6).values()) == [10000.0, 500000.0, 1e6]


def test_wrap_angle_maps_into_minus_pi_to_pi():
    assert math.isclose(rope.wrap_angle(9.0), 9.0 - 2 * math.pi)
    assert math.isclose(rope.wrap_angle(-4.0), -4.0 + 2 * math.pi)
    assert rope.wrap_angle(1.0) == 1.0


def test_relative_dot_products_are_constant_along_diagonals_and_match_the_prompt(captured):
    model, hooks = captured
    cfg = model.cfg
    head, kv_head, a, b = 3, 3 // cfg.n_rep, 7, 2
    q = hooks["layers.1.attention.hook_q"][0, a, head]
    k = hooks["layers.1.attention.hook_k"][0, b, kv_head]
    dots = rope.relative_dot_products(q, k, 20, cfg.rope_theta, cfg.rope_scaling)  # [20, 20]
    assert rope.diagonal_spread(dots) < 1e-4
    measured = hooks["layers.1.attention.hook_q_rot"][0, a, head] @ hooks["layers.1.attention.hook_k_rot"][0, b, kv_head]
    assert math.isclose(float(dots[a, b]), float(measured), rel_tol=1e-4, abs_tol=1e-5)
    # ... and it is not constant overall: position matters through the offset
    assert float(dots.max() - dots.min()) > 1e-2


def test_diagonal_spread_is_zero_only_for_offset_only_matrices():
    offsets = torch.arange(6)[:, None] - torch.arange(6)[None, :]
    assert rope.diagonal_spread(torch.sin(offsets.float())) == 0.0
    assert rope.diagonal_spread(torch.arange(36.0).view(6, 6)) > 0


def test_hf_row_order_is_what_meta_to_hf_qk_does():
    assert rope.hf_row_order(8) == [0, 2, 4, 6, 1, 3, 5, 7]
    w = torch.randn(16, 5)
    assert torch.equal(meta_to_hf_qk(w, 1), w[rope.hf_row_order(16)])
    rows = rope.pair_order_rows(8)
    assert rows[1] == {"pair i": 1, "Meta dims (x_2i, x_2i+1)": "(2, 3)", "HF dims (x_i, x_i+hd/2)": "(1, 5)"}


def test_rotate_half_on_hf_order_equals_meta_rope(captured):
    model, hooks = captured
    q, q_rot = hooks["layers.1.attention.hook_q"], hooks["layers.1.attention.hook_q_rot"]
    assert rope.hf_layout_difference(q, q_rot, model.cfg.rope_theta) < 1e-5
    # rotate_half on Meta's order (no permutation) pairs the wrong dimensions and gives other numbers
    from llama_edu.model import rope_angles
    cos, sin = rope_angles(model.cfg.head_dim, q.shape[1], model.cfg.rope_theta)
    assert (rope.rotate_half_rope(q, cos, sin) - q_rot).abs().max() > 1e-3


def test_pair_figure_draws_the_hook_values():
    fig = rope.pair_rotation_figure((0.3, 0.4), (-0.4, 0.3), math.pi / 2, "t")
    before, after = fig.data[1], fig.data[2]
    assert (before.x[-1], before.y[-1]) == (0.3, 0.4) and (after.x[-1], after.y[-1]) == (-0.4, 0.3)
    assert fig.layout.yaxis.scaleanchor == "x"  # a circle must look like a circle
    assert fig.layout.font.size >= 14


def test_rotation_animation_has_one_frame_per_position_ending_at_the_last_rotation():
    x = torch.randn(16)
    walked = rope.rotate_to_positions(x, 12)
    fig = rope.rotation_over_positions_figure(walked, 1, n_prompt=5, frequency=float(rope_frequencies(16)[1]))
    assert len(fig.frames) == 12 and len(fig.layout.sliders[0].steps) == 12
    arrow = fig.frames[-1].data[1]  # frames move the trail and the arrow
    assert math.isclose(arrow.x[-1], float(walked[11, 2]), rel_tol=1e-6)
    assert math.isclose(arrow.y[-1], float(walked[11, 3]), rel_tol=1e-6)
    json.loads(fig.to_json())  # serialisable for st.plotly_chart


def test_frequency_figure_plots_theta_and_wavelength_from_rope_frequencies():
    fig = rope.frequencies_figure(32, {"a": 10000.0, "b": 500000.0}, {"ctx": 128})
    freqs = rope_frequencies(32, 500000.0)
    assert torch.allclose(torch.tensor(fig.data[2].y), freqs)
    assert torch.allclose(torch.tensor(fig.data[3].y), 2 * math.pi / freqs)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.type == "log"
    assert list(fig.data[4].y) == [128, 128]  # the context line lives in data units, not log10 units


def test_relative_dot_figure_shows_the_matrix_and_the_measured_point():
    dots = torch.randn(5, 5)
    fig = rope.relative_dot_figure(dots, (3, 1, 0.25))
    assert torch.allclose(torch.tensor(fig.data[0].z), dots)
    assert (fig.data[2].x[0], fig.data[2].y[0]) == (1, 3)
    assert (fig.data[3].x[0], fig.data[3].y[0]) == (2, 0.25)


def test_pair_order_figure_lists_meta_rows_in_hf_positions():
    fig = rope.pair_order_figure(8)
    assert list(fig.data[0].text[1]) == ["0", "2", "4", "6", "1", "3", "5", "7"]
    assert list(fig.data[0].z[1]) == [0, 1, 2, 3, 0, 1, 2, 3]  # HF row i and i + hd/2 form pair i


def test_token_labels_are_unique_and_keep_the_bos_piece_visible():
    assert rope.token_labels(["<s>", "▁the", "▁the"]) == ["0:&lt;s&gt;", "1:▁the", "2:▁the"]
