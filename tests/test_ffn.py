"""llama_edu.ffn: SwiGLU's numbers (the activation curves, SiLU's minimum, how many units the gate lets through,
Meta's rule for F), checked against torch, a fine grid, the model's own weights and Meta's published widths."""

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import llama_edu as le
from llama_edu import ffn


def test_silu_minimum_matches_a_fine_grid():
    z, value = ffn.silu_minimum()
    grid = torch.linspace(-3, 0, 300_001, dtype=torch.float64)
    silu = F.silu(grid)
    assert z == pytest.approx(grid[silu.argmin()].item(), abs=1e-4)
    assert value == pytest.approx(silu.min().item(), abs=1e-9)
    assert (round(z, 3), round(value, 3)) == (-1.278, -0.278)
    assert value == pytest.approx(z + 1, abs=1e-12)  # at the minimum sigmoid(z) = 1 + 1/z


def test_curves_are_torch_activations_on_minus_six_to_six():
    x, curves = ffn.activation_curves()
    assert (x[0], x[-1]) == (-6.0, 6.0)
    t = torch.from_numpy(x)
    np.testing.assert_allclose(curves["SiLU / Swish"], (t * torch.sigmoid(t)).numpy(), atol=1e-6)
    np.testing.assert_allclose(curves["ReLU"], np.maximum(x, 0))
    np.testing.assert_allclose(curves["GELU"], F.gelu(t).numpy())
    assert curves["SiLU / Swish"].min() < 0 == curves["ReLU"].min()


def test_gate_summary_counts_by_hand():
    act = torch.tensor([-0.2, -0.01, 0.0, 0.04, 1.0, 2.0])
    summary = ffn.gate_summary(act, threshold=0.05)  # small: |a| < 0.1
    assert (summary["units"], summary["small"], summary["large"], summary["negative"]) == (6, 3, 3, 2)
    assert summary["most negative"] == pytest.approx(-0.2)


def test_sizing_rule_gives_metas_widths():
    rows = {r["model"]: r for r in ffn.sizing_rows(le.ModelConfig.from_preset("tiny"), "tiny")}
    assert rows["llama-7b"]["f_by_rule"] == 11008
    assert rows["llama-2-70b"]["f_by_rule"] == 28672
    assert rows["llama-3-8b"]["f_by_rule"] == 14336
    assert rows["llama-7b"]["two_thirds_of_four_d"] == 10922 and rows["llama-7b"]["four_d"] == 4 * 4096
    assert rows["tiny"]["f_in_model"] == le.ModelConfig.from_preset("tiny").hidden_dim
    assert rows["llama-2-70b"]["ffn_dim_multiplier"] == 1.3 and rows["llama-7b"]["ffn_dim_multiplier"] == "none"
    german = {r["model"]: r for r in ffn.sizing_rows(le.ModelConfig.from_preset("tiny"), "tiny", lang="de")}
    assert german["llama-7b"]["ffn_dim_multiplier"] == "keiner"


def test_two_thirds_keeps_the_parameter_count():
    counts = ffn.ffn_parameter_counts(4096)
    assert counts["two matrices, width 4d"] == pytest.approx(counts["three matrices, width 8d/3"])


def test_ffn_capture_reads_one_tokens_hooks_in_order():
    model = le.load_model(le.TINY_MODEL_DIR)
    _, cache = model.run_with_cache(torch.tensor([[1, 5, 9]]))
    gate, act, up, hidden = ffn.ffn_capture(cache, layer=model.cfg.n_layers - 1, position=1)
    feed_forward = model.layers[-1].feed_forward
    x = cache[f"layers.{model.cfg.n_layers - 1}.ffn_norm.hook_out"][0, 1]
    torch.testing.assert_close(gate, feed_forward.w1(x).detach())
    torch.testing.assert_close(up, feed_forward.w3(x).detach())
    torch.testing.assert_close(act, F.silu(gate))
    torch.testing.assert_close(hidden, act * up)


def test_unit_order_sorts_by_gate_or_product_descending_or_keeps_the_stored_order():
    gate, hidden = torch.tensor([0.5, -1.0, 2.0, 0.1]), torch.tensor([-0.3, 0.8, 0.0, 0.2])
    np.testing.assert_array_equal(ffn.unit_order(gate, hidden, "gate"), [2, 0, 3, 1])
    np.testing.assert_array_equal(ffn.unit_order(gate, hidden, "product"), [1, 3, 2, 0])
    np.testing.assert_array_equal(ffn.unit_order(gate, hidden, "unit index"), [0, 1, 2, 3])
    assert set(ffn.SORT_ORDERS) == {"gate", "product", "unit index"}


def test_the_shipped_models_width_comes_from_the_rule_with_its_training_runs_multiple_of():
    """config.json states F = 704 and no multiple_of (the loaded config keeps the default 256, which gives 768); the
    rule gives 704 again with the multiple_of that training_log.json records: int(2 * 4 * 256 / 3) = 682 -> 22 * 32."""
    loaded = le.read_config(le.TINY_MODEL_DIR)
    trained = json.loads((le.TINY_MODEL_DIR / "training_log.json").read_text())["model"]
    assert loaded.hidden_dim == 704 and loaded.multiple_of == 256 != trained["multiple_of"]
    assert ffn.rule_multiple_of(loaded) == trained["multiple_of"] == 32
    why = ffn.sizing_explained(loaded)
    assert (why["before"], why["multiple_of"], why["blocks"], why["f"]) == (682, 32, 22, 704)
    assert why["found"] and why["config_gives"] == le.ffn_hidden_dim(256, 256) == 768
    row = ffn.sizing_row("loaded", loaded)
    assert row["multiple_of"] == 32 and row["f_by_rule"] == row["f_in_model"] == 704


def test_rule_multiple_of_keeps_a_configs_own_and_admits_a_width_no_rule_gives():
    for cfg in le.PRESETS.values():  # presets carry the multiple_of their rule uses
        assert ffn.rule_multiple_of(cfg) == cfg.multiple_of and not ffn.sizing_explained(cfg)["found"]
    odd = le.PRESETS["tiny"].replace(ffn_hidden_dim=700)  # 682 rounded up to a power of two: 682, 684, 688, 704, ...
    assert ffn.rule_multiple_of(odd) is None and ffn.sizing_explained(odd)["blocks"] is None
    assert ffn.sizing_row("odd", odd)["f_by_rule"] != 700
