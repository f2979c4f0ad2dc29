"""SwiGLU figures, checked against torch and against the captures they are given. The numbers themselves
(llama_edu.ffn) are tested in test_ffn.py."""

import numpy as np
import torch
import torch.nn.functional as F

import llama_edu as le
from llama_edu.viz import ffn as viz


def test_curves_figure_puts_gates_on_the_silu_curve():
    gate = torch.tensor([-2.0, 0.0, 3.0])
    fig = viz.activation_curves_figure(gate)
    dots = next(t for t in fig.data if t.name == "this token's gates")
    np.testing.assert_allclose(dots.y, F.silu(gate).numpy())


def test_units_figure_draws_every_strip_in_one_order():
    gate, up = torch.randn(50), torch.randn(50)
    act = F.silu(gate)
    hidden = act * up
    fig = viz.swiglu_units_figure(gate, act, up, hidden, sort_by="gate")
    order = torch.argsort(gate, descending=True).numpy()
    assert np.all(np.diff(fig.data[0].y) <= 0)
    for trace, values in zip(fig.data, (gate, act, up, hidden)):
        np.testing.assert_allclose(trace.y, values.numpy()[order], rtol=1e-6)
        np.testing.assert_array_equal(trace.customdata, order)
    as_stored = viz.swiglu_units_figure(gate, act, up, hidden, sort_by="unit index")
    np.testing.assert_allclose(as_stored.data[3].y, hidden.numpy(), rtol=1e-6)


def test_units_figure_from_a_real_capture_is_consistent():
    model = le.load_model(le.TINY_MODEL_DIR)
    _, cache = model.run_with_cache(torch.tensor([[1, 5, 9]]))
    hooks = [cache[f"layers.0.feed_forward.{h}"][0, 2] for h in ("hook_gate", "hook_act", "hook_up", "hook_hidden")]
    fig = viz.swiglu_units_figure(*hooks, sort_by="product")
    assert len(fig.data[0].y) == model.cfg.hidden_dim
    np.testing.assert_allclose(fig.data[3].y, np.sort(hooks[3].numpy())[::-1], rtol=1e-6)
