"""SwiGLU figures and numbers, checked against torch and against Meta's published widths."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import llama_edu as le
from llama_edu.viz import ffn as viz


def test_silu_minimum_matches_a_fine_grid():
    z, value = viz.silu_minimum()
    grid = torch.linspace(-3, 0, 300_001, dtype=torch.float64)
    silu = F.silu(grid)
    assert z == pytest.approx(grid[silu.argmin()].item(), abs=1e-4)
    assert value == pytest.approx(silu.min().item(), abs=1e-9)
    assert (round(z, 3), round(value, 3)) == (-1.278, -0.278)
    assert value == pytest.approx(z + 1, abs=1e-12)  # at the minimum sigmoid(z) = 1 + 1/z


def test_curves_are_torch_activations_on_minus_six_to_six():
    x, curves = viz.activation_curves()
    assert (x[0], x[-1]) == (-6.0, 6.0)
    t = torch.from_numpy(x)
    np.testing.assert_allclose(curves["SiLU / Swish"], (t * torch.sigmoid(t)).numpy(), atol=1e-6)
    np.testing.assert_allclose(curves["ReLU"], np.maximum(x, 0))
    np.testing.assert_allclose(curves["GELU"], F.gelu(t).numpy())
    assert curves["SiLU / Swish"].min() < 0 == curves["ReLU"].min()


def test_curves_figure_puts_gates_on_the_silu_curve():
    gate = torch.tensor([-2.0, 0.0, 3.0])
    fig = viz.activation_curves_figure(gate)
    dots = next(t for t in fig.data if t.name == "this token's gates")
    np.testing.assert_allclose(dots.y, F.silu(gate).numpy())


def test_gate_summary_counts_by_hand():
    act = torch.tensor([-0.2, -0.01, 0.0, 0.04, 1.0, 2.0])
    summary = viz.gate_summary(act, threshold=0.05)  # small: |a| < 0.1
    assert (summary["units"], summary["small"], summary["large"], summary["negative"]) == (6, 3, 3, 2)
    assert summary["most negative"] == pytest.approx(-0.2)


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


def test_sizing_rule_gives_metas_widths():
    rows = {r["model"]: r for r in viz.sizing_rows(le.ModelConfig.from_preset("tiny"), "tiny")}
    assert rows["llama-7b"]["F by the rule"] == 11008
    assert rows["llama-2-70b"]["F by the rule"] == 28672
    assert rows["llama-3-8b"]["F by the rule"] == 14336
    assert rows["llama-7b"]["int(2·4d/3)"] == 10922
    assert rows["tiny"]["F in the model"] == le.ModelConfig.from_preset("tiny").hidden_dim


def test_two_thirds_keeps_the_parameter_count():
    counts = viz.ffn_parameter_counts(4096)
    assert counts["two matrices, width 4d"] == pytest.approx(counts["three matrices, width 8d/3"])


def test_ffn_capture_reads_one_tokens_hooks_in_order():
    model = le.load_model(le.TINY_MODEL_DIR)
    _, cache = model.run_with_cache(torch.tensor([[1, 5, 9]]))
    gate, act, up, hidden = viz.ffn_capture(cache, layer=model.cfg.n_layers - 1, position=1)
    ffn = model.layers[-1].feed_forward
    x = cache[f"layers.{model.cfg.n_layers - 1}.ffn_norm.hook_out"][0, 1]
    torch.testing.assert_close(gate, ffn.w1(x).detach())
    torch.testing.assert_close(up, ffn.w3(x).detach())
    torch.testing.assert_close(act, F.silu(gate))
    torch.testing.assert_close(hidden, act * up)
