"""llama_edu.normalization: RMSNorm next to LayerNorm, their statistics and their cost, checked against hand
computation, torch's own layer_norm and the model's captures."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import gained_rmsnorm, offset_vector

import llama_edu as le
from llama_edu import normalization

DIM = 16


@pytest.fixture
def norm():
    return gained_rmsnorm(DIM)


@pytest.fixture
def x():
    return offset_vector(DIM)


def test_norm_paths_follow_module_names():
    assert normalization.norm_path("attention_norm", 3) == "layers.3.attention_norm"
    assert normalization.norm_path("ffn_norm", 0) == "layers.0.ffn_norm"
    assert normalization.norm_path("norm", 5) == "norm"


def test_vector_stats_use_the_biased_variance(x):
    stats = normalization.vector_stats(x)
    v = x.double().numpy()
    assert stats["mean"] == pytest.approx(v.mean(), rel=1e-5)
    assert stats["variance"] == pytest.approx(v.var(), rel=1e-5)  # numpy's default: divide by D
    assert stats["RMS"] == pytest.approx(np.sqrt((v ** 2).mean()), rel=1e-5)


def test_outputs_match_the_formulas(norm, x):
    result = normalization.compare_norms(x, norm, shift=0.7, scale=3.0)
    changed = 3.0 * (x + 0.7 * x.pow(2).mean().sqrt())
    torch.testing.assert_close(result["input"], changed)
    g = norm.weight.detach()
    torch.testing.assert_close(result["rms_out"], changed / torch.sqrt(changed.pow(2).mean() + 1e-5) * g)
    torch.testing.assert_close(result["layer_out"], F.layer_norm(changed, (DIM,), g, torch.zeros(DIM), eps=1e-5))
    torch.testing.assert_close(result["rms_unit"], changed / torch.sqrt(changed.pow(2).mean() + 1e-5))


def test_layer_norm_ignores_a_shift_and_rms_norm_does_not(norm, x):
    result = normalization.compare_norms(x, norm, shift=2.0)
    torch.testing.assert_close(result["layer_out"], result["layer_original"], atol=1e-5, rtol=1e-5)
    assert (result["rms_out"] - result["rms_original"]).abs().max() > 0.1


def test_both_ignore_scale_until_eps_matters(norm, x):
    large = normalization.compare_norms(x, norm, scale=10.0)
    for key in ("rms", "layer"):
        torch.testing.assert_close(large[f"{key}_out"], large[f"{key}_original"], atol=1e-5, rtol=1e-5)
    tiny = normalization.compare_norms(x, norm, scale=1e-4)  # mean(x'^2) ~ 1e-8, far below eps = 1e-5
    assert tiny["rms_unit"].pow(2).mean().sqrt() < 0.1


def test_compare_norms_reproduces_the_model_capture():
    model = le.load_model(le.TINY_MODEL_DIR)
    _, cache = model.run_with_cache(torch.tensor([[1, 5, 9, 12]]))
    norm = model.get_submodule("layers.0.ffn_norm")
    result = normalization.compare_norms(cache["layers.0.ffn_norm.hook_in"][0, 2], norm)
    torch.testing.assert_close(result["rms_out"], cache["layers.0.ffn_norm.hook_out"][0, 2])
    torch.testing.assert_close(result["rms_unit"], cache["layers.0.ffn_norm.hook_normalized"][0, 2])


def test_residual_rms_series_are_the_hooks_rms():
    model = le.load_model(le.TINY_MODEL_DIR)
    _, cache = model.run_with_cache(torch.tensor([[1, 5, 9]]))
    series = normalization.residual_rms_by_layer(cache, model.cfg.n_layers, position=1)
    stream = series["residual stream (hook_resid_post)"]
    assert len(stream) == model.cfg.n_layers
    last = cache[f"layers.{model.cfg.n_layers - 1}.hook_resid_post"][0, 1]
    assert stream[-1] == pytest.approx(last.pow(2).mean().sqrt().item(), rel=1e-5)
    # x / sqrt(mean(x^2) + eps) has RMS sqrt(ms / (ms + eps)): 1, a little less for vectors as small as embeddings
    ms = [cache[f"layers.{i}.hook_resid_pre"][0, 1].pow(2).mean().item() for i in range(model.cfg.n_layers)]
    expected = [np.sqrt(m / (m + model.cfg.norm_eps)) for m in ms]
    assert series["attention_norm input normalised (hook_normalized)"] == pytest.approx(expected, rel=1e-4)


def test_rms_norm_counts_fewer_operations_reductions_and_parameters_by_hand():
    rms, layer = normalization.norm_operation_counts(256)
    # RMSNorm per token: square (D), sum + divide (D), + eps and sqrt (2), divide by RMS (D), times the gain (D).
    # LayerNorm: sum + divide for the mean (D), subtract it (D), square (D), sum + divide for the variance (D),
    # + eps and sqrt (2), divide by std (D), gain (D), bias (D).
    assert (rms["operations"], layer["operations"]) == (4 * 256 + 2, 7 * 256 + 2) == (1026, 1794)
    assert (rms["parameters"], layer["parameters"]) == (256, 512)
    assert (rms["statistics"], layer["statistics"]) == (1, 2)  # sums over the row: mean(x^2); mean and variance


def test_step_rows_add_up_to_the_counts_and_follow_the_module():
    steps = normalization.norm_step_rows(64)
    for count in normalization.norm_operation_counts(64):
        assert sum(row["operations"] for row in steps if row["norm"] == count["norm"]) == count["operations"]
    assert [row["norm_step"] for row in steps if row["norm"] == "RMSNorm"] == [
        "square x", "sum + divide (mean of squares)", "+ eps, sqrt", "divide by RMS", "× gain"]


def test_layer_norm_computes_the_variance_from_the_centred_values_it_counts():
    """The module's steps are the counted ones: mean, x - mean, its squares' mean; equal to torch's layer_norm."""
    x = offset_vector(DIM)[None, None] * 3  # [1, 1, D], mean far from 0
    ln = le.LayerNorm(DIM)
    torch.testing.assert_close(ln(x), F.layer_norm(x, (DIM,), eps=1e-5))


def test_vector_stats_call_a_mean_below_float32_resolution_zero(norm, x):
    """LayerNorm's output has mean 0 exactly; float32 computes ~1e-9, which a table showed as -0.00000001."""
    unit = normalization.compare_norms(x, norm, shift=0.3)["layer_unit"]
    assert unit.mean().item() != 0 and abs(unit.mean().item()) < 1e-6
    assert normalization.vector_stats(unit)["mean"] == 0
    small = torch.full((DIM,), 1e-7) + torch.linspace(0, 1e-8, DIM)  # a tiny vector whose mean is all of it
    assert normalization.vector_stats(small)["mean"] == pytest.approx(small.mean().item())


def test_timing_gives_each_norm_a_median_with_its_spread():
    ms = normalization.time_norms(32, n_tokens=8, repeats=3)
    assert set(ms) == {"RMSNorm", "LayerNorm"}
    for spread in ms.values():
        assert 0 < spread.low <= spread.median <= spread.high and spread.tries == 3


def test_timing_stops_at_its_budget():
    ms = normalization.time_norms(32, n_tokens=8, repeats=10_000, budget_s=0.0)
    assert all(spread.tries == 1 for spread in ms.values())


def test_norm_capture_reads_one_tokens_hooks():
    model = le.load_model(le.TINY_MODEL_DIR)
    _, cache = model.run_with_cache(torch.tensor([[1, 5, 9]]))
    steps = normalization.norm_capture(cache, "layers.0.ffn_norm", position=2)
    x = cache["layers.0.hook_resid_mid"][0, 2]  # what ffn_norm reads
    torch.testing.assert_close(steps["in"], x)
    assert steps["rms"].item() == pytest.approx(torch.sqrt(x.pow(2).mean() + model.cfg.norm_eps).item(), rel=1e-6)
    torch.testing.assert_close(steps["normalized"], x / steps["rms"])
    torch.testing.assert_close(steps["out"], x / steps["rms"] * model.layers[0].ffn_norm.weight.detach())


def test_output_changes_are_the_largest_differences(norm, x):
    result = normalization.compare_norms(x, norm, shift=1.5)
    change = normalization.output_changes(result)
    assert change["rms"] == pytest.approx((result["rms_out"] - result["rms_original"]).abs().max().item())
    assert change["layer"] < 1e-5 < change["rms"]
    assert normalization.output_changes(normalization.compare_norms(x, norm)) == {"rms": 0.0, "layer": 0.0}
