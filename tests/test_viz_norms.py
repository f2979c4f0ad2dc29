"""RMSNorm/LayerNorm tables and figures, checked against the vectors and series they are given. The numbers
themselves (llama_edu.normalization) are tested in test_normalization.py."""

import numpy as np
import pytest
import torch
from helpers import gained_rmsnorm, offset_vector

from llama_edu import normalization
from llama_edu.viz import norms as viz

DIM = 16


@pytest.fixture
def norm():
    return gained_rmsnorm(DIM)


@pytest.fixture
def x():
    return offset_vector(DIM)


def test_stats_rows_show_unit_rms_and_centred_layer_norm(norm, x):
    result = normalization.compare_norms(x, norm, shift=1.0)
    rows = dict(zip(viz.COMPARED_VECTORS, viz.comparison_stats(result)))
    assert rows["rms_unit"]["rms"] == pytest.approx(1.0, abs=1e-3)
    assert rows["layer_unit"]["mean"] == pytest.approx(0.0, abs=1e-5)
    assert rows["layer_unit"]["variance"] == pytest.approx(1.0, abs=1e-3)
    x_changed = result["input"]  # the statistics of x' itself, computed here
    assert rows["input"]["mean"] == pytest.approx(x_changed.mean().item(), rel=1e-6)
    assert rows["input"]["rms"] == pytest.approx(x_changed.pow(2).mean().sqrt().item(), rel=1e-6)


def test_steps_figure_plots_the_given_vectors(x):
    parts = [x, x / 2, torch.ones(DIM), x * 3]
    fig = viz.norm_steps_figure(*parts, title="t")
    assert len(fig.data) == 4
    for trace, expected in zip(fig.data, parts):
        np.testing.assert_allclose(trace.y, expected.numpy(), rtol=1e-6)


def test_residual_rms_figure_draws_one_line_per_series():
    series = {"residual stream (hook_resid_post)": [0.5, 1.5, 4.0], "ffn_norm output (hook_out)": [1.0, 0.9, 1.1]}
    fig = viz.residual_rms_figure(series, "1:x")
    assert len(fig.data) == len(series)
    assert [list(trace.y) for trace in fig.data] == list(series.values())
