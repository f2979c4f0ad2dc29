"""RoPE figures and tables, checked against the numbers they are given and against hand computation. The rotations
and measurements themselves (llama_edu.rotary) are tested in test_rotary.py."""

import json
import math

import torch

from llama_edu import rotary
from llama_edu.model import rope_frequencies
from llama_edu.viz import rope


def test_compared_bases_add_the_models_own_only_when_it_differs():
    assert list(rope.compared_bases(10000.0).values()) == [10000.0, 500000.0]
    assert list(rope.compared_bases(1e6).values()) == [10000.0, 500000.0, 1e6]


def test_pair_figure_draws_the_hook_values():
    fig = rope.pair_rotation_figure((0.3, 0.4), (-0.4, 0.3), math.pi / 2, "t")
    before, after = fig.data[1], fig.data[2]
    assert (before.x[-1], before.y[-1]) == (0.3, 0.4) and (after.x[-1], after.y[-1]) == (-0.4, 0.3)
    assert fig.layout.yaxis.scaleanchor == "x"  # a circle must look like a circle
    assert fig.layout.font.size >= 14


def test_rotation_animation_has_one_frame_per_position_ending_at_the_last_rotation():
    x = torch.randn(16)
    walked = rotary.rotate_to_positions(x, 12)
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


def test_pair_order_rows_name_the_dimensions_each_pair_turns():
    rows = rope.pair_order_rows(8)
    assert rows[1] == {"pair": 1, "meta_dims": "(2, 3)", "hf_dims": "(1, 5)"}


def test_rotation_animation_writes_the_angle_clear_of_the_circle():
    """The label once sat at the arrow's tip, which is always on the circle, so the circle's line ran through it."""
    x = torch.randn(16, generator=torch.Generator().manual_seed(0))
    walked = rotary.rotate_to_positions(x, 6)
    frequency = float(rope_frequencies(16)[1])
    fig = rope.rotation_over_positions_figure(walked, 1, n_prompt=3, frequency=frequency)
    radius = math.hypot(float(walked[0, 2]), float(walked[0, 3]))
    for m, frame in enumerate(fig.frames):
        _, arrow, label = frame.data
        assert arrow.text is None and label.mode == "text"
        assert label.text == (f"m·θ = {m * frequency:.2f} rad",)
        # anchored in the top-left corner, well outside the circle, and written away from the corner, into the
        # empty space between the circle and the plane's edges
        (x0,), (y0,) = label.x, label.y
        assert x0 < 0 < y0 and math.hypot(x0, y0) > 1.6 * radius and label.textposition == "bottom right"
        assert -x0 <= -fig.layout.xaxis.range[0] and y0 <= fig.layout.yaxis.range[1]  # inside the plane
    german = rope.rotation_over_positions_figure(walked, 1, n_prompt=3, frequency=frequency, lang="de")
    assert german.frames[1].data[2].text == (f"m·θ = {frequency:.2f} rad".replace(".", ","),)
